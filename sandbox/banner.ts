import type { SandboxConnection, SandboxRuntime } from './sandbox-runtime';

export interface ListenAddress {
  host: string;
  port: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const EVERY_INTERFACE = new Set(['0.0.0.0', '::']);

/** `credentials` as `name value` lines, nested blocks (IMCO's `tls`) flattened to `tls.certFile`. */
function credentialLines(credentials: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  return Object.entries(credentials).flatMap(([key, value]): Array<[string, string]> =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? credentialLines(value as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, String(value)]],
  );
}

function describeConnection(connection: SandboxConnection, width: number): string[] {
  const indent = ' '.repeat(4 + width + 2);
  const lines: Array<[string, string]> = [
    ...credentialLines(connection.credentials),
    ['control', connection.control],
  ];
  const nameWidth = Math.max(...lines.map(([name]) => name.length));
  return [
    `    ${connection.name.padEnd(width)}  ${connection.endpoint}`,
    ...lines.map(([name, value]) => `${indent}${name.padEnd(nameWidth)}  ${value}`),
  ];
}

function listening({ host, port }: ListenAddress): string {
  if (LOOPBACK.has(host)) return `${host}:${port} (this machine only; HOST=0.0.0.0 to serve others)`;
  if (EVERY_INTERFACE.has(host)) return `${host}:${port} (every interface: reachable from other machines)`;
  return `${host}:${port}`;
}

/**
 * The start-up banner: where the API is, the key, each simulator's endpoint and the credentials a backend's own
 * CLI or SDK needs (also written to providers.json), and a curl to paste.
 */
export function sandboxBanner(sandbox: SandboxRuntime, address: ListenAddress): string {
  const host =
    LOOPBACK.has(address.host) || EVERY_INTERFACE.has(address.host)
      ? 'localhost'
      : address.host.includes(':')
        ? `[${address.host}]`
        : address.host;
  const base = `http://${host}:${address.port}`;
  const width = Math.max(...sandbox.connections.map((c) => c.name.length));
  return [
    '',
    '  cloudmux gateway: sandbox (simulated providers, no cloud account needed)',
    '',
    `  API        ${base}/v1          docs ${base}/docs`,
    `  Listening  ${listening(address)}`,
    `  API key    ${sandbox.apiKey}`,
    `             (kept in ${sandbox.apiKeyFile} and reused by the next start)`,
    `  Redis      ${sandbox.embeddedRedisUrl ?? 'as configured (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS)'}${sandbox.embeddedRedisUrl ? ' (embedded, no AOF: stopping it forgets the tasks)' : ''}`,
    '',
    '  Simulated providers, with the credentials for their own CLIs and SDKs',
    `  (also in ${sandbox.providersFile}, readable by you only):`,
    ...sandbox.connections.flatMap((connection) => describeConnection(connection, width)),
    '',
    '  Try it:',
    `    export KEY=${sandbox.apiKey}`,
    `    curl -s -H "Authorization: Bearer $KEY" ${base}/v1`,
    `    curl -s -H "Authorization: Bearer $KEY" ${base}/v1/servers`,
    '',
    '  Ctrl-C stops the gateway, the simulators and Redis.',
    '',
  ].join('\n');
}
