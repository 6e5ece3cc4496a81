import { Type } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ProviderKindDefinition } from '../ports/provider-adapter';
import { CloudmcAdapter, CloudmcConnection } from './cloudmc.adapter';

const scopeName = Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' });

/** Connection = endpoint + API key + service code + environment (+ org_id for a sub-organization). */
export const cloudmcKind: ProviderKindDefinition = {
  kind: ProviderKind.Cloudmc,
  configFields: Type.Object({
    /** Base URL including `/api/v2`, e.g. https://cloudmc.example.com/api/v2. */
    endpoint: Type.String({ pattern: '^https?://[^\\s]+$' }),
    /** `MC-Api-Key` value (use `${VAR}` or `apiKeyFile`). */
    apiKey: Type.String({ minLength: 8 }),
    /** Service connection code, the first path segment (e.g. compute-qc). */
    serviceCode: scopeName,
    /** Environment name, the second path segment. */
    environment: scopeName,
    /** Act in a sub-organization (`org_id` query parameter). */
    orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Delete instances for good (`purgeImmediately`) rather than leaving a recoverable `Destroyed` one. */
    purgeOnDelete: Type.Optional(Type.Boolean({ default: true })),
  }),
  create: (config: ConnectionConfig, deps) => new CloudmcAdapter(config as CloudmcConnection, deps),
};
