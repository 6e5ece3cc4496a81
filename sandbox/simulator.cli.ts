import { parseArgs } from 'node:util';
import { SIMULATORS } from './simulators/simulator-kinds';

/**
 * `npm run simulator -- <kind> [--port N] [--speed S] [--host H] [--data-dir D] [--secret S]`: one simulator alone,
 * so a gateway (or a benchmark) can be pointed at it with an ordinary config file. When it is ready it prints
 * `SIMULATOR CONTROL <url>` (where `/__sim/` is) and `SIMULATOR READY <json>`, the connection block to paste
 * under `providers:`.
 */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      speed: { type: 'string', default: '1' },
      'data-dir': { type: 'string', default: '.sandbox/simulators' },
      secret: { type: 'string' },
    },
  });
  const kind = positionals[0];
  const definition = SIMULATORS.find((s) => (s.kind as string) === kind);
  if (!definition) {
    console.error(
      `usage: npm run simulator -- <${SIMULATORS.map((s) => s.kind).join('|')}> [--port N] [--speed S] [--host H]`,
    );
    process.exit(2);
  }
  const handle = await definition.start({
    port: Number(values.port),
    host: values.host,
    speed: Number(values.speed),
    dataDir: `${values['data-dir']}/${kind}`,
    secret: values.secret,
  });
  // The control API (`/__sim/`) is at the API's root, except where the API needs a client certificate (IMCO).
  process.stdout.write(`SIMULATOR CONTROL ${handle.url}\n`);
  process.stdout.write(`SIMULATOR READY ${JSON.stringify(handle.connection)}\n`);
  const stop = () => void handle.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
