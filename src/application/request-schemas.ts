import { Injectable } from '@nestjs/common';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError } from '../common/errors/gateway-error';
import { describeSchemaErrors } from '../config/config.validator';
import type { OperationName } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { NO_OPTIONS } from './provider-options.validator';

type Schema = Record<string, unknown>;

/** The request body of each operation that takes one, by its schema's name in the OpenAPI document. */
const BODY_OF: Partial<Record<OperationName, string>> = {
  'server.create': 'CreateServerRequest',
  'server.rename': 'UpdateServerRequest',
  'server.relabel': 'UpdateServerRequest',
  'server.stop': 'StopServerRequest',
  'server.resize': 'ResizeServerRequest',
  'server.rebuild': 'RebuildServerRequest',
  'volume.create': 'CreateVolumeRequest',
  'volume.attach': 'AttachRequest',
  'volume.resize': 'ResizeVolumeRequest',
  'volume.relabel': 'UpdateLabelsRequest',
  'network.create': 'CreateNetworkRequest',
  'network.relabel': 'UpdateLabelsRequest',
  'ip.allocate': 'AllocateIpRequest',
  'ip.attach': 'AttachRequest',
  'ip.relabel': 'UpdateLabelsRequest',
  'sshKey.create': 'CreateSshKeyRequest',
};

/** Body fields that depend on a feature of the connection (docs/design.md#the-request-schema). */
const FEATURE_FIELDS = ['userData', 'sshKeyIds', 'sshPublicKeys'] as const;
type FeatureField = (typeof FEATURE_FIELDS)[number];

const NO_BODY: Schema = { type: 'object', additionalProperties: false, maxProperties: 0 };

/**
 * The whole request body of each operation as one connection takes it (docs/design.md#the-request-schema): the
 * API's schema with this connection's `providerOptions`, its limits, the fields it cannot take (listed in
 * `x-unsupported` with why, answered 501) and the adapter's own rules (`requestRules`, e.g. keys or a password for
 * a bare-metal install). Published in the capability document; requests are checked against it before any
 * backend call.
 */
@Injectable()
export class RequestSchemas {
  private components: Record<string, Schema> | null = null;
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly built = new Map<string, Schema>();

  /** The API's own schemas, from the OpenAPI document the app builds when it starts. */
  useDocument(document: { components?: { schemas?: Record<string, unknown> } }): void {
    this.components = (document.components?.schemas ?? {}) as Record<string, Schema>;
    this.compiled.clear();
    this.built.clear();
  }

  /** The schema of the operation's body on this connection; null before the document is known. */
  schemaOf(connection: Connection, operation: OperationName): Schema | null {
    if (!this.components) return null;
    const key = `${connection.name}\u0000${operation}`;
    let schema = this.built.get(key);
    if (!schema) {
      schema = this.build(connection, operation, this.components);
      this.built.set(key, schema);
    }
    return schema;
  }

  /**
   * Refuses a body that breaks the connection's schema with a 400 naming the field. Fields of features the
   * connection lacks are left to the 501 the caller gives first; the DTO pipe has checked the shape already.
   */
  validate(connection: Connection, operation: OperationName, body: unknown): void {
    const schema = this.schemaOf(connection, operation);
    if (!schema) return;
    const key = `${connection.name}\u0000${operation}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const { ['x-unsupported']: _unsupported, ...checked } = schema;
      validate = this.ajv.compile(checked);
      this.compiled.set(key, validate);
    }
    const value: Record<string, unknown> =
      body && typeof body === 'object' ? { ...(body as Record<string, unknown>) } : {};
    for (const field of Object.keys((schema['x-unsupported'] as Schema | undefined) ?? {}))
      delete value[field];
    if (validate(value)) return;
    const errors = describeSchemaErrors(validate.errors, []).map((line) => {
      const separator = line.indexOf(': ');
      return { field: line.slice(0, separator) || '(body)', message: line.slice(separator + 2) };
    });
    throw new ValidationError(
      `The request does not fit what '${connection.name}' takes for ${operation} (its capability document shows the schema).`,
      errors,
    );
  }

  private build(
    connection: Connection,
    operation: OperationName,
    components: Record<string, Schema>,
  ): Schema {
    const name = BODY_OF[operation];
    if (!name || !components[name]) return NO_BODY;
    const base = inline(components[name], components) as Schema;
    const properties = { ...((base.properties as Record<string, Schema> | undefined) ?? {}) };
    if (properties.provider) properties.provider = { ...properties.provider, enum: [connection.name] };
    if (properties.providerOptions)
      properties.providerOptions = {
        ...(connection.optionSchemas?.[operation] ?? NO_OPTIONS),
        additionalProperties: false,
      };
    const unsupported: Partial<Record<FeatureField, string>> = {};
    const features = connection.features;
    for (const field of FEATURE_FIELDS) {
      if (!properties[field]) continue;
      const supported = field === 'userData' ? !!features.userData : !!features[field];
      if (!supported) {
        unsupported[field] = features.reasons?.[field] ?? 'not supported by this provider';
        delete properties[field];
      }
    }
    if (properties.userData && features.userData)
      properties.userData = {
        ...properties.userData,
        // A bound in characters that no text within the byte limit exceeds; the bytes are checked as well.
        maxLength: features.userData.maxBytes,
        'x-maxBytes': features.userData.maxBytes,
      };
    const rules = connection.requestRules?.[operation];
    return {
      ...base,
      properties,
      additionalProperties: false,
      ...(rules ? { allOf: [...((base.allOf as Schema[] | undefined) ?? []), rules] } : {}),
      ...(Object.keys(unsupported).length ? { 'x-unsupported': unsupported } : {}),
    };
  }
}

/** A schema with every `$ref` to a component replaced by the component, so it stands alone. */
function inline(schema: unknown, components: Record<string, Schema>, depth = 0): unknown {
  if (depth > 16 || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((item) => inline(item, components, depth + 1));
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/'))
    return inline(components[ref.slice('#/components/schemas/'.length)] ?? {}, components, depth + 1);
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, inline(value, components, depth + 1)]),
  );
}
