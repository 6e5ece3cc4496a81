import { Type } from '@sinclair/typebox';
import type { ConnectionConfig } from '../config/gateway-config';
import { ProviderKind } from '../domain/states';
import type { ProviderAdapter } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { RequestSchemas } from './request-schemas';

/** The API's schemas as the OpenAPI document has them (a reference, no additionalProperties). */
const DOCUMENT = {
  components: {
    schemas: {
      CreateServerRequest: {
        type: 'object',
        required: ['provider', 'name', 'imageId'],
        properties: {
          provider: { type: 'string' },
          name: { type: 'string' },
          imageId: { type: 'string' },
          userData: { type: 'string', maxLength: 1_048_576 },
          sshPublicKeys: { type: 'array', items: { type: 'string' } },
          sshKeyIds: { type: 'array', items: { type: 'string' } },
          labels: { $ref: '#/components/schemas/Labels' },
          providerOptions: { type: 'object' },
        },
      },
      Labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
};

const connection = (over: Partial<ProviderAdapter>) =>
  new Connection(
    { name: 'metal', kind: ProviderKind.Dcimanager, plans: {}, probe: async () => undefined, ...over },
    { name: 'metal', kind: 'dcimanager' } as ConnectionConfig,
  );

describe('RequestSchemas', () => {
  const schemas = new RequestSchemas();
  schemas.useDocument(DOCUMENT);
  const bareMetal = connection({
    optionSchemas: { 'server.create': Type.Object({ password: Type.Optional(Type.String()) }) },
    features: { sshPublicKeys: true, reasons: { userData: 'no cloud-init on bare metal' } },
    requestRules: {
      'server.create': {
        anyOf: [
          { required: ['sshPublicKeys'], properties: { sshPublicKeys: { minItems: 1 } } },
          { required: ['providerOptions'], properties: { providerOptions: { required: ['password'] } } },
        ],
      },
    },
  });

  it('should give the whole body as this connection takes it', () => {
    const schema = schemas.schemaOf(bareMetal, 'server.create')!;
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.provider.enum).toEqual(['metal']);
    expect(properties.labels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(properties.providerOptions).toMatchObject({
      properties: { password: { type: 'string' } },
      additionalProperties: false,
    });
    expect(properties).not.toHaveProperty('userData');
    expect(properties).not.toHaveProperty('sshKeyIds');
    expect(schema['x-unsupported']).toEqual({
      userData: 'no cloud-init on bare metal',
      sshKeyIds: 'not supported by this provider',
    });
    expect(schema.additionalProperties).toBe(false);
    expect(schema.allOf).toHaveLength(1);
  });

  it('should bound user-data by the connection limit where it is taken', () => {
    const cloud = connection({ name: 'cloud', features: { userData: { maxBytes: 16_384 } } });
    const properties = schemas.schemaOf(cloud, 'server.create')!.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(properties.userData).toMatchObject({ maxLength: 16_384, 'x-maxBytes': 16_384 });
  });

  it('should refuse a body that breaks the connection rules with a 400 naming the field', () => {
    const body = { provider: 'metal', name: 'db', imageId: '7', labels: {}, providerOptions: {} };
    expect(() => schemas.validate(bareMetal, 'server.create', body)).toThrow(
      expect.objectContaining({ status: 400, code: 'validation_failed' }),
    );
    try {
      schemas.validate(bareMetal, 'server.create', body);
    } catch (error) {
      expect(JSON.stringify((error as { extensions?: unknown; errors?: unknown }).errors ?? error)).toMatch(
        /sshPublicKeys|providerOptions\.password/,
      );
    }
    expect(() =>
      schemas.validate(bareMetal, 'server.create', { ...body, providerOptions: { password: 'x-long-one' } }),
    ).not.toThrow();
    expect(() =>
      schemas.validate(bareMetal, 'server.create', { ...body, sshPublicKeys: ['ssh-ed25519 AAAA'] }),
    ).not.toThrow();
  });

  it('should leave fields of missing features to the 501 the caller answers first', () => {
    const body = { provider: 'metal', name: 'db', imageId: '7', userData: '#!/bin/sh', sshPublicKeys: ['k'] };
    expect(() => schemas.validate(bareMetal, 'server.create', body)).not.toThrow();
  });

  it('should take no body for an operation without one, and nothing before the document is known', () => {
    expect(schemas.schemaOf(bareMetal, 'server.start')).toMatchObject({ maxProperties: 0 });
    expect(new RequestSchemas().schemaOf(bareMetal, 'server.create')).toBeNull();
  });
});
