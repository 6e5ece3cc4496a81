import { Type } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ProviderKindDefinition } from '../ports/provider-adapter';
import { ImcoAdapter, type ImcoConnection } from './imco.adapter';

const pemPath = Type.String({ minLength: 1, maxLength: 4096 });

/** Connection = endpoint (with `/v2` or `/v3`) + the three PEM files of the user's API key. */
export const imcoKind: ProviderKindDefinition = {
  kind: ProviderKind.Imco,
  configFields: Type.Object({
    /** Base URL including the API version, e.g. https://clients.example.com/v3 (`/v3` is added when absent). */
    endpoint: Type.String({ pattern: '^https://[^\\s]+$' }),
    /**
     * The API key zip: `cert.crt`, `private/cert.key`, `ca_cert.pem`. Paths are relative to the config file; the
     * files are re-read when they change.
     */
    tls: Type.Object(
      { certFile: pemPath, keyFile: pemPath, caFile: pemPath },
      { additionalProperties: false },
    ),
    /** Volume, network and IP deletes only forget the resource in IMCO (`/discard`), leaving it at the cloud. */
    discardOnDelete: Type.Optional(Type.Boolean({ default: false })),
    /** `start` of a stalled server forces it to operational (`override`, "at the user's own risk"). */
    overrideStalled: Type.Optional(Type.Boolean({ default: false })),
  }),
  create: (config: ConnectionConfig, deps) => new ImcoAdapter(config as ImcoConnection, deps),
};
