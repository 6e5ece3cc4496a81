import type { GatewayConfig } from '../src/config/gateway-config';
import { ProviderKind } from '../src/domain/states';
import { sandboxBanner } from './banner';
import type { SandboxRuntime } from './sandbox-runtime';

const connections: SandboxRuntime['connections'] = [
  {
    name: 'sandbox-cloudmc',
    kind: ProviderKind.Cloudmc,
    endpoint: 'http://127.0.0.1:40001/api/v2',
    control: 'http://127.0.0.1:40001/__sim',
    credentials: { apiKey: 'cm-key-0123', serviceCode: 'compute-sim', environment: 'sandbox' },
  },
  {
    name: 'sandbox-cloudsigma',
    kind: ProviderKind.Cloudsigma,
    endpoint: 'http://127.0.0.1:40002/api/1.0',
    control: 'http://127.0.0.1:40002/__sim',
    credentials: { email: 'sim@example.com', password: 'cs-pass-4567' },
  },
  {
    name: 'sandbox-imco',
    kind: ProviderKind.Imco,
    endpoint: 'https://127.0.0.1:40004/v3',
    control: 'http://127.0.0.1:40005/__sim',
    credentials: {
      tls: {
        certFile: '/work/.sandbox/imco/cert.crt',
        keyFile: '/work/.sandbox/imco/private/cert.key',
        caFile: '/work/.sandbox/imco/ca_cert.pem',
      },
    },
  },
];

const sandbox: SandboxRuntime = {
  config: { providers: [] } as unknown as GatewayConfig,
  apiKey: 'sbx_the-gateway-key',
  apiKeyFile: '.sandbox/api-key',
  providersFile: '.sandbox/providers.json',
  connections,
  simulators: [],
  embeddedRedisUrl: 'redis://127.0.0.1:40000',
  stop: () => Promise.resolve(),
};

describe('sandboxBanner', () => {
  const banner = sandboxBanner(sandbox, { host: '127.0.0.1', port: 3000 });

  it('should show the API, its index, the key and where the key is kept', () => {
    expect(banner).toContain('http://localhost:3000/v1');
    expect(banner).toContain('sbx_the-gateway-key');
    expect(banner).toContain('.sandbox/api-key');
  });

  it("should print every simulator's endpoint and the credentials a backend's own tools need", () => {
    for (const value of [
      'http://127.0.0.1:40001/api/v2',
      'cm-key-0123',
      'compute-sim',
      'sim@example.com',
      'cs-pass-4567',
      'https://127.0.0.1:40004/v3',
      '/work/.sandbox/imco/cert.crt',
      '/work/.sandbox/imco/private/cert.key',
      '/work/.sandbox/imco/ca_cert.pem',
      'http://127.0.0.1:40005/__sim',
    ])
      expect(banner).toContain(value);
    expect(banner).toMatch(/apiKey\s+cm-key-0123/);
    expect(banner).toMatch(/tls\.certFile\s+\/work\/\.sandbox\/imco\/cert\.crt/);
  });

  it('should say that the credentials are also written to providers.json', () => {
    expect(banner).toContain('.sandbox/providers.json');
  });

  it('should say whether the gateway listens on loopback only and which variable opens it', () => {
    expect(banner).toMatch(/127\.0\.0\.1:3000.*HOST=0\.0\.0\.0/);
    const open = sandboxBanner(sandbox, { host: '0.0.0.0', port: 3001 });
    expect(open).toContain('http://localhost:3001/v1');
    expect(open).toMatch(/0\.0\.0\.0:3001.*every interface/);
  });
});
