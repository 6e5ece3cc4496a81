import { GatewayError, ValidationError } from '../common/errors/gateway-error';
import { RefusalReason } from '../domain/allowed-actions.dto';
import type { OperationName } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';

/** Parts of a server create or rebuild that not every backend takes (`features` of the capability document). */
export interface FeatureInputs {
  userData?: string;
  sshKeyIds?: readonly string[];
  sshPublicKeys?: readonly string[];
}

/** Why a connection lacks a feature, as its capability document says it. */
export const featureReason = (adapter: Connection, feature: 'userData' | 'sshKeyIds' | 'sshPublicKeys') =>
  adapter.features.reasons?.[feature] ?? 'not supported by this provider';

/** A 501 that names the field the connection's backend cannot take, before any backend call. */
export function unsupportedField(
  adapter: Connection,
  operation: OperationName,
  field: string,
  reason: string,
): GatewayError {
  return new GatewayError(
    'unsupported_operation',
    `Provider connection '${adapter.name}' does not take ${field} on ${operation}: ${reason}`,
    {
      provider: adapter.name,
      errors: [{ field, message: `not supported by this connection: ${reason}` }],
      extensions: { operation, reason: RefusalReason.UnsupportedOperation },
    },
  );
}

/**
 * The feature fields of a server create or rebuild, checked against what the connection declares: 501 naming
 * the field it cannot take, 400 for user-data over its limit (UTF-8 bytes; docs/design.md#user-data). An empty
 * list or text asks for nothing and passes everywhere.
 */
export function checkFeatureInputs(adapter: Connection, operation: OperationName, body: FeatureInputs): void {
  const { features } = adapter;
  if (body.userData) {
    if (!features.userData)
      throw unsupportedField(adapter, operation, 'userData', featureReason(adapter, 'userData'));
    const bytes = Buffer.byteLength(body.userData, 'utf8');
    if (bytes > features.userData.maxBytes)
      throw new ValidationError(
        `userData is ${bytes} bytes of UTF-8; connection '${adapter.name}' takes at most ${features.userData.maxBytes}.`,
        [{ field: 'userData', message: `must be at most ${features.userData.maxBytes} bytes of UTF-8 text` }],
      );
  }
  if (body.sshKeyIds?.length && !features.sshKeyIds)
    throw unsupportedField(adapter, operation, 'sshKeyIds', featureReason(adapter, 'sshKeyIds'));
  if (body.sshPublicKeys?.length && !features.sshPublicKeys)
    throw unsupportedField(adapter, operation, 'sshPublicKeys', featureReason(adapter, 'sshPublicKeys'));
}
