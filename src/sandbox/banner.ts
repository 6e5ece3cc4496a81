import type { SandboxRuntime } from './sandbox-runtime';

/** The start-up banner: where the API is, the key, and a curl to paste. */
export function sandboxBanner(sandbox: SandboxRuntime, port: number, keyFile: string): string {
  const base = `http://localhost:${port}`;
  const width = Math.max(...sandbox.config.providers.map((p) => p.name.length));
  const providers = sandbox.config.providers
    .map((p) => `    ${p.name.padEnd(width)}  ${String(p.endpoint)}`)
    .join('\n');
  return [
    '',
    '  cloudmux gateway: sandbox (simulated providers, no cloud account needed)',
    '',
    `  API        ${base}/v1          docs ${base}/docs`,
    `  API key    ${sandbox.apiKey}`,
    `             (also in ${keyFile})`,
    `  Redis      ${sandbox.embeddedRedisUrl ?? 'REDIS_URL'}${sandbox.embeddedRedisUrl ? ' (embedded)' : ''}`,
    '  Providers',
    providers,
    '',
    '  Try it:',
    `    export KEY=${sandbox.apiKey}`,
    `    curl -s -H "Authorization: Bearer $KEY" ${base}/v1/servers`,
    '',
    '  Ctrl-C stops the gateway, the simulators and Redis.',
    '',
  ].join('\n');
}
