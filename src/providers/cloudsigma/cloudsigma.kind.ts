import { Type } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ProviderKindDefinition } from '../ports/provider-adapter';
import { CloudsigmaAdapter, CloudsigmaConnection } from './cloudsigma.adapter';

/** Connection = endpoint (one location) + account email and password (HTTP Basic). */
export const cloudsigmaKind: ProviderKindDefinition = {
  kind: ProviderKind.Cloudsigma,
  configFields: Type.Object({
    /** The location's API host root, e.g. https://api.zrh.cloudsigma.com or https://api.lvs.cloudsigma.com. */
    endpoint: Type.String({ pattern: '^https?://[^\\s/]+/?$' }),
    /** Account email (the Basic auth user). */
    email: Type.String({ minLength: 3, maxLength: 254 }),
    /** Account password (use `${VAR}` or `passwordFile`). */
    password: Type.String({ minLength: 1 }),
    /** Destroy a server's drives with it (1.0 keeps them by default). */
    deleteDrives: Type.Optional(Type.Boolean({ default: false })),
    /** Seconds a guest gets to power off after an ACPI shutdown the gateway sends for attach, detach or delete. */
    shutdownTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, default: 120 })),
  }),
  create: (config: ConnectionConfig, deps) => new CloudsigmaAdapter(config as CloudsigmaConnection, deps),
};
