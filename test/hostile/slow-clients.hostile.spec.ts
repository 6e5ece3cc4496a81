import { openEvents } from '../support/sse';
import { call, KEYS, startHostileGateway, type HostileGateway } from '../support/hostile-gateway';
import { slowClient } from '../support/slow-client';

/**
 * Issue 12, point 3: clients that trickle or withhold their request hold a connection only until the request
 * deadlines (`server.requestTimeoutMs`, `server.headersTimeoutMs`), without any API key; what the gateway
 * itself takes its time over (long polls, event streams) is not cut by them.
 */
describe('slow clients', () => {
  let hg: HostileGateway;
  let serverId: string;

  beforeAll(async () => {
    hg = await startHostileGateway({
      // Short deadlines, so that the suite is quick; the defaults are longer (SECURITY.md).
      server: { requestTimeoutMs: 2_000, headersTimeoutMs: 1_000 },
      tuning: { timeoutMs: 30_000, deadlines: { 'server.reboot': 60, 'server.create': 60 } },
    });
    const list = await call(hg.baseUrl, 'GET', '/v1/servers');
    serverId = (list.body.items as Array<{ id: string; state: string }>).find(
      (s) => s.state === 'running',
    )!.id;
  });

  afterAll(() => hg?.close());

  const head = (lines: string[]) => lines.map((line) => `${line}\r\n`).join('');

  it('should close a connection whose body trickles in, answering a 408 problem', async () => {
    const outcome = await slowClient(hg.baseUrl, {
      opening: head([
        'POST /v1/servers HTTP/1.1',
        'Host: gateway',
        'Content-Type: application/json',
        'Content-Length: 60000',
        '',
      ]),
      drip: ' ',
      everyMs: 200,
    });
    expect(outcome.closed).toBe(true);
    expect(outcome.status).toBe(408);
    expect(outcome.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(outcome.body)).toMatchObject({ status: 408, code: 'validation_failed' });
  });

  it('should write nothing after an answer given before the body arrived, when the body then times out', async () => {
    // Refused at once (no Host); the body keeps trickling until the request deadline closes the connection.
    const outcome = await slowClient(hg.baseUrl, {
      opening: head([
        'POST /v1/servers HTTP/1.1',
        'Content-Type: application/json',
        'Content-Length: 1000',
        '',
      ]),
      drip: ' ',
      everyMs: 200,
    });
    expect(outcome.status).toBe(400);
    // A raw 408 appended to the finished answer would be read as the start of another answer.
    expect(outcome.body).not.toMatch(/HTTP\/1\.1 \d{3}/);
  });

  it('should close a connection that goes silent after the head, answering a 408 problem', async () => {
    const outcome = await slowClient(hg.baseUrl, {
      opening: head([
        'POST /v1/servers HTTP/1.1',
        'Host: gateway',
        `Authorization: Bearer ${KEYS.admin}`,
        'Content-Type: application/json',
        'Content-Length: 64',
        '',
      ]),
    });
    expect(outcome.closed).toBe(true);
    expect(outcome.status).toBe(408);
    expect(outcome.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('should close a connection whose head trickles in', async () => {
    const outcome = await slowClient(hg.baseUrl, {
      opening: 'GET /v1/servers HTTP/1.1\r\nHost: gateway\r\n',
      drip: 'X-Slow: y\r\n',
      everyMs: 200,
    });
    expect(outcome.closed).toBe(true);
    expect(outcome.status).toBe(408);
  });

  it('should keep serving event streams and long polls well past the request deadline', async () => {
    // Every create and reboot call to the backend hangs: the tasks stay running for their whole wait.
    hg.backend.rules = [{ method: 'POST', path: /\/instances/ }];
    const stream = await openEvents(`${hg.baseUrl}/v1/events`, { Authorization: `Bearer ${KEYS.admin}` });
    try {
      expect(stream.status).toBe(200);
      // Silent for longer than the request deadline (plus Node's check interval) before anything is sent.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      const reboot = await call(hg.baseUrl, 'POST', `/v1/servers/${serverId}/reboot`, {
        headers: { Prefer: 'wait=4' },
      });
      expect(reboot.status).toBe(202);
      expect(reboot.body).toMatchObject({ status: expect.stringMatching(/queued|running/) });
      await stream.until((events) => events.some((e) => e.data.includes(String(reboot.body.id))));

      const polled = await call(hg.baseUrl, 'GET', `/v1/tasks/${String(reboot.body.id)}?waitSeconds=4`);
      expect(polled.status).toBe(200);
      expect(polled.body).toMatchObject({ id: reboot.body.id, status: 'running' });
    } finally {
      stream.close();
      hg.backend.rules = [];
    }
  });
});
