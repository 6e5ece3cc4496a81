import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NotFoundError } from '../../common/errors/gateway-error';
import type { ProviderAdapter } from '../ports/provider-adapter';
import { PROVIDER_ADAPTERS } from './provider.tokens';

/** Looks adapters up by connection name; the only way the core reaches a provider. */
@Injectable()
export class ProviderRegistry implements OnApplicationShutdown {
  private readonly byName = new Map<string, ProviderAdapter>();

  constructor(@Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[]) {
    for (const adapter of adapters) {
      if (this.byName.has(adapter.name)) throw new Error(`Duplicate provider connection '${adapter.name}'`);
      this.byName.set(adapter.name, adapter);
    }
  }

  get(name: string): ProviderAdapter | undefined {
    return this.byName.get(name);
  }

  /** The adapter of a connection the caller may see; 404 otherwise (foreign and unknown look the same). */
  require(name: string): ProviderAdapter {
    const adapter = this.byName.get(name);
    if (!adapter) throw new NotFoundError(`No provider connection '${name}'.`);
    return adapter;
  }

  all(): ProviderAdapter[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.all().map(async (adapter) => adapter.close?.()));
  }
}
