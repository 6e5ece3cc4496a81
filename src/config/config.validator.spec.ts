import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { connectionKindSchemas } from '../providers/registry/provider-kinds';
import { ConfigError } from './config.error';
import { parseConfigText, readConfigFile } from './config.loader';
import { validateConfig } from './config.validator';
import { readEnv } from './env';

const env = readEnv({});
const kinds = connectionKindSchemas();

function validate(yaml: string, variables: Record<string, string> = {}, baseDir = process.cwd()) {
  return validateConfig(parseConfigText(yaml, 'test.yaml'), { env, kinds, baseDir, variables });
}

function problems(yaml: string, variables: Record<string, string> = {}): string[] {
  try {
    validate(yaml, variables);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const GOOD = `
apiKeys:
  - name: frontend
    key: \${FRONTEND_API_KEY}
    scopes: [read, write]
    providers: ["*"]
providers:
  - name: cloudmc-lab
    kind: cloudmc
    endpoint: https://cloudmc.example.com/api/v2
    apiKey: \${CLOUDMC_API_KEY}
    serviceCode: compute-qc
    environment: prod
`;

describe('validateConfig', () => {
  it('should substitute variables and fill in the defaults when the file is valid', () => {
    const config = validate(GOOD, { FRONTEND_API_KEY: 'k'.repeat(32), CLOUDMC_API_KEY: 'secret-key-123' });
    expect(config.apiKeys[0].key).toBe('k'.repeat(32));
    expect(config.providers[0]).toMatchObject({
      name: 'cloudmc-lab',
      apiKey: 'secret-key-123',
      timeoutMs: 15_000,
      pollIntervalMs: 1_000,
      purgeOnDelete: true,
    });
    expect(config.tasks.retentionHours).toBe(24);
    expect(config.cache.freshMs).toBe(5_000);
    expect(config.server.cors.allowedOrigins).toEqual([]);
  });

  it('should trust forwarded addresses only from the proxies it names, or from any with true', () => {
    const vars = { FRONTEND_API_KEY: 'k'.repeat(32), CLOUDMC_API_KEY: 'secret-key-123' };
    const proxies = validate(`${GOOD}server:\n  trustProxy: ['10.0.0.0/8', 127.0.0.1]\n`, vars);
    expect(proxies.server.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(validate(`${GOOD}server:\n  trustProxy: true\n`, vars).server.trustProxy).toBe(true);
    expect(problems(`${GOOD}server:\n  trustProxy: 5\n`, vars).join('\n')).toMatch(/server\.trustProxy/);
  });

  it('should name every missing variable with the field that uses it', () => {
    expect(problems(GOOD)).toEqual(
      expect.arrayContaining([
        'apiKeys[0].key: environment variable FRONTEND_API_KEY is not set',
        'providers[0].apiKey: environment variable CLOUDMC_API_KEY is not set',
      ]),
    );
  });

  it('should report all bad fields at once, each with its path and connection name', () => {
    const found = problems(`
apiKeys:
  - name: frontend
    key: short
    scopes: [read, admin]
    providers: [nowhere]
providers:
  - name: cm
    kind: cloudmc
    endpoint: not-a-url
    serviceCode: compute-qc
    environment: prod
    colour: blue
  - name: cm
    kind: openstack
  - name: Bad_Name
    kind: cloudmc
extra: 1
`);
    expect(found).toEqual(
      expect.arrayContaining([
        "(root): unknown field 'extra'",
        'apiKeys[0].key: must NOT have fewer than 16 characters',
        'apiKeys[0].scopes[1]: must be one of read, write',
        "apiKeys[0].providers: unknown provider connection 'nowhere'",
        'providers[0] (cm).apiKey: is required',
        'providers[0] (cm).endpoint: must match pattern "^https?://[^\\s]+$"',
        "providers[0] (cm): unknown field 'colour'",
        'providers[1] (cm).kind: must be one of cloudmc, cloudsigma, dcimanager, imco',
        'providers[2] (Bad_Name).name: must match pattern "^[a-z0-9][a-z0-9-]{0,39}$"',
      ]),
    );
  });

  it('should refuse duplicate connection names and keys given twice', () => {
    const found = problems(`
apiKeys:
  - name: a
    key: aaaaaaaaaaaaaaaaaaaa
    keySha256: ${'0'.repeat(64)}
    scopes: [read]
    providers: ["*"]
providers:
  - { name: cm, kind: cloudmc, endpoint: "https://x/api/v2", apiKey: "12345678", serviceCode: s, environment: e }
  - { name: cm, kind: cloudmc, endpoint: "https://x/api/v2", apiKey: "12345678", serviceCode: s, environment: e }
`);
    expect(found).toEqual(
      expect.arrayContaining([
        'apiKeys[0]: give exactly one of key, keyFile or keySha256',
        'providers[1] (cm).name: duplicate connection name',
      ]),
    );
  });

  it('should read *File secrets relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'cm.key'), 'key-from-file-123\n');
    writeFileSync(join(dir, 'frontend.key'), 'f'.repeat(40));
    const config = validate(
      GOOD.replace('key: ${FRONTEND_API_KEY}', 'keyFile: frontend.key').replace(
        'apiKey: ${CLOUDMC_API_KEY}',
        'apiKeyFile: ./cm.key',
      ),
      {},
      dir,
    );
    expect(config.providers[0].apiKey).toBe('key-from-file-123');
    expect(config.apiKeys[0].key).toBe('f'.repeat(40));
  });

  it('should say which secret file cannot be read', () => {
    const found = problems(GOOD.replace('apiKey: ${CLOUDMC_API_KEY}', 'apiKeyFile: ./missing.key'), {
      FRONTEND_API_KEY: 'k'.repeat(32),
    });
    expect(found).toContain("providers[0].apiKeyFile: cannot read './missing.key': ENOENT");
  });

  it.each(['gateway.example.yaml', 'gateway.sandbox.yaml'])('should accept the shipped config/%s', (file) => {
    const { document, baseDir } = readConfigFile(join(__dirname, '..', '..', 'config', file));
    const variables = {
      FRONTEND_API_KEY: 'f'.repeat(32),
      CLOUDMC_API_KEY: 'c'.repeat(32),
      CLOUDSIGMA_PASSWORD: 'p'.repeat(16),
      DCIMANAGER_PASSWORD: 'd'.repeat(16),
    };
    const config = validateConfig(document, { env, kinds, baseDir, variables });
    expect(config.providers.map((p) => p.kind).sort()).toEqual([
      'cloudmc',
      'cloudsigma',
      'dcimanager',
      'imco',
    ]);
  });

  it('should resolve file references inside nested objects: paths kept (absolute), secrets read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-nested-'));
    writeFileSync(join(dir, 'pass.txt'), 'pem-passphrase\n');
    const fake = {
      kind: 'fake',
      fields: Type.Object({
        tls: Type.Object({ certFile: Type.String(), passphrase: Type.Optional(Type.String()) }),
      }),
    };
    const config = validateConfig(
      parseConfigText(
        [
          'apiKeys: [{ name: a, key: aaaaaaaaaaaaaaaa, scopes: [read], providers: ["*"] }]',
          'providers:',
          '  - { name: f, kind: fake, tls: { certFile: ./certs/client.pem, passphraseFile: pass.txt } }',
        ].join('\n'),
        'nested.yaml',
      ),
      { env, kinds: [fake], baseDir: dir, variables: {} },
    );
    expect(config.providers[0].tls).toEqual({
      certFile: join(dir, 'certs', 'client.pem'),
      passphrase: 'pem-passphrase',
    });
  });

  it('should report YAML syntax errors with the file name', () => {
    expect(() => parseConfigText('apiKeys: [\n', 'broken.yaml')).toThrow(/broken\.yaml/);
  });
});
