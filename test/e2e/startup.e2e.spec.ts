import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfig } from '../support/child-gateway';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

describe('start-up with a bad configuration (e2e, real process)', () => {
  it('should exit non-zero and name every bad field', () => {
    if (!existsSync(MAIN)) throw new Error('run `npm run build` first (npm test does)');
    const configPath = writeConfig({
      apiKeys: [{ name: 'k', key: 'short', scopes: ['read'], providers: ['nowhere'] }],
      providers: [
        {
          name: 'cm',
          kind: 'cloudmc',
          endpoint: 'https://x/api/v2',
          serviceCode: 's',
          environment: 'e',
          apiKey: '${MISSING_VAR}',
        },
      ],
    });
    const run = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, GATEWAY_CONFIG: configPath, REDIS_URL: 'redis://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Invalid gateway configuration');
    expect(run.stderr).toContain('apiKeys[0].key: must NOT have fewer than 16 characters');
    expect(run.stderr).toContain("apiKeys[0].providers: unknown provider connection 'nowhere'");
    expect(run.stderr).toContain('providers[0].apiKey: environment variable MISSING_VAR is not set');
  });

  it('should refuse a bad role before anything else', () => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, GATEWAY_ROLE: 'boss' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("GATEWAY_ROLE: must be one of api, worker, all; got 'boss'");
  });
});
