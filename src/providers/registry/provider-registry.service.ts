import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NotFoundError } from '../../common/errors/gateway-error';
import type { Connection } from './connection';
import { PROVIDER_CONNECTIONS } from './provider.tokens';

/** Looks connections up by name; the only way the core reaches a provider (through its normalizing Connection). */
@Injectable()
export class ProviderRegistry implements OnApplicationShutdown {
  private readonly byName = new Map<string, Connection>();

  constructor(@Inject(PROVIDER_CONNECTIONS) connections: Connection[]) {
    for (const connection of connections) {
      if (this.byName.has(connection.name))
        throw new Error(`Duplicate provider connection '${connection.name}'`);
      this.byName.set(connection.name, connection);
    }
  }

  get(name: string): Connection | undefined {
    return this.byName.get(name);
  }

  /** The adapter of a connection the caller may see; 404 otherwise (foreign and unknown look the same). */
  require(name: string): Connection {
    const adapter = this.byName.get(name);
    if (!adapter) throw new NotFoundError(`No provider connection '${name}'.`);
    return adapter;
  }

  all(): Connection[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.all().map(async (connection) => connection.close()));
  }
}
