import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// What a client generated from the committed document sees (CI checks that the document is the code's).
interface Schema {
  type?: string;
  enum?: unknown[];
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  discriminator?: { propertyName: string; mapping: Record<string, string> };
}
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; schema: Schema }>;
  requestBody?: { required?: boolean };
  responses: Record<string, { headers?: Record<string, { $ref?: string }> }>;
}
const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    headers: Record<string, unknown>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
};
const schemas = document.components.schemas;
const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
const operation = (id: string) => operations.find((o) => o.operationId === id)!;
/** The enum of a property, through a `$ref`/`allOf` to a named enum. */
function enumOf(schema: Schema): unknown[] | undefined {
  const target = schema.$ref ?? schema.allOf?.[0]?.$ref;
  return target ? schemas[target.split('/').pop()!].enum : schema.enum;
}

describe('the OpenAPI document, as a generated client sees it', () => {
  it("should type a task's result as one of the four resources, told apart by resourceType", () => {
    const result = schemas.Task.properties!.result;
    expect(result.oneOf!.map((s) => s.$ref)).toEqual(
      ['Server', 'Volume', 'Network', 'IpAddress'].map((n) => `#/components/schemas/${n}`),
    );
    expect(result.discriminator).toEqual({
      propertyName: 'resourceType',
      mapping: {
        server: '#/components/schemas/Server',
        volume: '#/components/schemas/Volume',
        network: '#/components/schemas/Network',
        ip: '#/components/schemas/IpAddress',
      },
    });
    for (const [name, type] of [
      ['Server', 'server'],
      ['Volume', 'volume'],
      ['Network', 'network'],
      ['IpAddress', 'ip'],
    ])
      expect([name, schemas[name].properties!.resourceType.enum, schemas[name].required]).toEqual([
        name,
        [type],
        expect.arrayContaining(['resourceType', 'allowedActions']),
      ]);
  });

  it('should make closed sets enums: problem codes, operations, capabilities, refusal reasons', () => {
    expect(enumOf(schemas.Problem.properties!.code)).toEqual(
      expect.arrayContaining(['conflict', 'provider_error']),
    );
    expect(enumOf(schemas.Problem.properties!.reason)).toEqual(
      expect.arrayContaining(['busy', 'wrong_state', 'unsupported_operation']),
    );
    expect(enumOf(schemas.Task.properties!.operation)).toEqual(
      expect.arrayContaining(['server.create', 'ip.detach']),
    );
    expect(enumOf(schemas.TaskSummary.properties!.operation)).toContain('volume.attach');
    expect(enumOf(schemas.Provider.properties!.capabilities.items!)).toEqual(
      expect.arrayContaining(['server.read', 'catalog.images']),
    );
    expect(schemas.Problem.properties).toHaveProperty('currentState');
    expect(schemas.Problem.properties).toHaveProperty('expectedStates');
  });

  it('should type fresh as a boolean and let stopServer go without a body', () => {
    const fresh = operation('listServers').parameters!.find((p) => p.name === 'fresh')!;
    expect(fresh.schema.type).toBe('boolean');
    expect(operation('stopServer').requestBody?.required).toBe(false);
  });

  it('should document the response headers the gateway sends', () => {
    expect(Object.keys(document.components.headers).sort()).toEqual(
      [
        'Age',
        'Cache-Status',
        'ETag',
        'Location',
        'Preference-Applied',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        'X-Request-Id',
      ].sort(),
    );
    const refs = (op: string, status: string) =>
      Object.keys(operation(op).responses[status].headers ?? {}).sort();
    expect(refs('createServer', '202')).toEqual(
      expect.arrayContaining(['Location', 'Retry-After', 'X-Request-Id']),
    );
    expect(refs('createServer', '200')).toContain('Preference-Applied');
    expect(refs('getServer', '200')).toEqual(
      expect.arrayContaining(['Cache-Status', 'Age', 'X-RateLimit-Limit']),
    );
    expect(refs('listServers', '429')).toContain('Retry-After');
  });

  it('should describe API keys as opaque bearer tokens and the health probes as public', () => {
    expect(document.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
    expect(operation('healthLive').security).toEqual([]);
    expect(operation('healthReady').security).toEqual([]);
    expect(operation('listServers').security).toEqual([{ bearer: [] }]);
  });
});
