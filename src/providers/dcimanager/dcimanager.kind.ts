import { Type } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ProviderKindDefinition } from '../ports/provider-adapter';
import { DcimanagerAdapter, DcimanagerConnection } from './dcimanager.adapter';

// Emails end up inside `where` filters, whose quoting is undocumented (docs/providers/dcimanager.md#filters):
// no quotes or backslashes.
const email = Type.String({ pattern: '^[^\\s\'"\\\\@]+@[^\\s\'"\\\\@]+$', maxLength: 254 });

/** Connection = host + admin login + the customer account it acts for. */
export const dcimanagerKind: ProviderKindDefinition = {
  kind: ProviderKind.Dcimanager,
  configFields: Type.Object({
    /** Host root without the API prefix, e.g. https://dci.example.com. */
    endpoint: Type.String({ pattern: '^https?://[^\\s]+$' }),
    /** Login of a local DCImanager administrator used by the gateway. */
    email,
    /** Its password (use `${VAR}` or `passwordFile`). */
    password: Type.String({ minLength: 1 }),
    /** The customer account whose servers this connection lists and manages. */
    ownerEmail: email,
    /**
     * Path before `/<service>/<version>`: `/api` (default) or empty for instances served without it
     * (docs/providers/dcimanager.md#urls-and-transport).
     */
    apiPrefix: Type.Optional(Type.String({ pattern: '^(/[A-Za-z0-9._~-]+)*$', default: '/api' })),
    /** How delete wipes the disks before the server goes back to stock (`operation_clear_hdd`). */
    wipeOnDelete: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('simple'), Type.Literal('full')], { default: 'simple' }),
    ),
    /** PEM CA bundle for a private or self-signed certificate (`caFile: ./dci-ca.pem`). */
    ca: Type.Optional(Type.String({ minLength: 1 })),
  }),
  create: (config: ConnectionConfig, deps) => new DcimanagerAdapter(config as DcimanagerConnection, deps),
};
