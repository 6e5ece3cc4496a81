import { call, startHostileGateway, taskEnd, type HostileGateway } from '../support/hostile-gateway';
import { eventually } from '../support/trickling-backend';

/**
 * Issue 12, point 4: a reboot whose backend POST trickles past the task's deadline, with a call deadline longer
 * than the task's, so that only the task deadline can end it. The step is abandoned when the deadline passes (its
 * call aborted), the task fails with `timeout` rather than being reconciled as done, and the server is free.
 */
describe('a task step stuck on a trickling backend', () => {
  let hg: HostileGateway;
  let serverId: string;

  beforeAll(async () => {
    hg = await startHostileGateway({
      tuning: { timeoutMs: 120_000, deadlines: { 'server.reboot': 3 } },
    });
    const list = await call(hg.baseUrl, 'GET', '/v1/servers');
    serverId = (list.body.items as Array<{ id: string; state: string }>).find(
      (s) => s.state === 'running',
    )!.id;
  });

  afterAll(() => hg?.close());

  it('should end failed with timeout at the task deadline, close the call and release the server', async () => {
    hg.backend.rules = [{ method: 'POST', path: /operation=reboot/ }];
    const accepted = await call(hg.baseUrl, 'POST', `/v1/servers/${serverId}/reboot`);
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    // While the call hangs, the task says it is running (not queued).
    await eventually(
      () => hg.backend.trickled.some((line) => line.includes('reboot')),
      () => 'the reboot POST never reached the backend',
    );
    expect((await call(hg.baseUrl, 'GET', `/v1/tasks/${id}`)).body.status).toBe('running');

    const ended = await taskEnd(hg.baseUrl, id);
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    // The abandoned step's call was aborted with it (its own deadline is two minutes away).
    await eventually(
      () => hg.backend.open === 0,
      () => `${hg.backend.open} trickled answers still open`,
    );

    hg.backend.rules = [];
    const again = await call(hg.baseUrl, 'POST', `/v1/servers/${serverId}/reboot`);
    expect(again.status).toBe(202);
    expect(await taskEnd(hg.baseUrl, String(again.body.id))).toMatchObject({ status: 'succeeded' });
  });
});
