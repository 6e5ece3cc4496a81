import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth/caller';
import { NotFoundError, UnsupportedOperationError, ValidationError } from '../common/errors/gateway-error';
import { parseResourceId, resolveNativeRef } from '../common/ids/resource-id';
import { ResourceType } from '../domain/states';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import type { Connection } from '../providers/registry/connection';
import type { ResourceReader as ReaderPort } from '../providers/ports/ports';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';

export interface ResolvedId {
  id: string;
  connection: string;
  nativeId: string;
  adapter: Connection;
}

/** Id parsing and tenancy in one place: a foreign connection looks exactly like an unknown one (404). */
@Injectable()
export class ResourceAccess {
  constructor(private readonly registry: ProviderRegistry) {}

  connection(caller: Caller, name: string): Connection {
    if (!caller.canSee(name)) throw new NotFoundError(`No provider connection '${name}'.`);
    return this.registry.require(name);
  }

  resolve(caller: Caller, id: string, field = 'id'): ResolvedId {
    const parsed = parseResourceId(id);
    if (!parsed) {
      throw new ValidationError(`'${id.slice(0, 100)}' is not a resource id.`, [
        { field, message: 'must be <connection>:<nativeId>, e.g. dc1:42' },
      ]);
    }
    const adapter = this.connection(caller, parsed.connection);
    return { id, connection: parsed.connection, nativeId: parsed.nativeId, adapter };
  }

  /** A reference in a request body (`serverId`, `imageId`...) to a resource of the same connection. */
  nativeRef(adapter: Connection, ref: string, field: string): string {
    const native = resolveNativeRef(ref, adapter.name);
    if (native === null) {
      throw new ValidationError(`${field} must name a resource of connection '${adapter.name}'.`, [
        { field, message: `must be a resource id of connection '${adapter.name}' (or its native id)` },
      ]);
    }
    return native;
  }

  port(adapter: Connection, type: ResourceType): ReaderPort<unknown> {
    const port = adapter[PORT_OF_TYPE[type]];
    if (!port)
      throw new UnsupportedOperationError(
        adapter.name,
        `${type}.read`,
        adapter.unsupportedReasons?.[`${type}.create` as never],
      );
    return port;
  }
}
