import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, clientFor, succeeded, type Client } from '../support/api';
import { freePort } from '../support/external-redis';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// The README's webhook receiver, run as a reader would run it: the code block is taken from README.md as it is,
// given its own folder with the `standardwebhooks` package, and must verify and print a real delivery.

const ROOT = join(__dirname, '..', '..');

/** The JavaScript block of the README's "Webhooks" section. */
function readmeReceiver(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Webhooks'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no js block in the Webhooks section');
  return block[1];
}

describe('the README webhook receiver (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  let dir: string;
  let receiver: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      webhooks: { allowPrivateTargets: true },
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    dir = mkdtempSync(join(tmpdir(), 'cloudmux-readme-receiver-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    receiver?.kill();
    await gateway?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should verify a delivery with the Standard Webhooks library and print the event', async () => {
    const port = await freePort();
    const code = readmeReceiver();
    expect(code).toContain("from 'standardwebhooks'");
    writeFileSync(join(dir, 'receiver.mjs'), code.replace('.listen(8080,', `.listen(${port},`));

    const created = await api.createWebhook({
      client,
      body: { url: `http://127.0.0.1:${port}/cloudmux`, events: ['task.succeeded'] },
    });
    expect(created.response.status).toBe(201);
    receiver = spawn(process.execPath, [join(dir, 'receiver.mjs')], {
      cwd: dir,
      env: { ...process.env, CLOUDMUX_WEBHOOK_SECRET: created.data!.secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    receiver.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    receiver.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

    const accepted = await api.createNetwork({ client, body: { provider: 'cm-a', name: 'readme-hook' } });
    const task = await succeeded(client, accepted.data);
    const deadline = Date.now() + 30_000;
    while (!output.includes(task.id) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).toContain('task.succeeded');
    expect(output).toContain(`"id":"${task.id}"`);

    // A forged delivery (right shape, wrong signature) is refused by the same code.
    const forged = await fetch(`http://127.0.0.1:${port}/cloudmux`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      body: JSON.stringify({ type: 'task.succeeded', timestamp: new Date().toISOString(), data: {} }),
    });
    expect(forged.status).toBe(400);
  });
});
