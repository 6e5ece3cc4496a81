import type { Server } from '../generated/client';
import { runChain, serverChain } from '../support/faults-chains';
import { startFaultGateway, type FaultBackend, type FaultGateway } from '../support/faults-gateway';
import { reportFigures } from '../support/faults-report';
import { serverCreateBody } from '../support/faults-resources';
import { TaskTally } from '../support/faults-tasks';
import { sim } from '../support/gateway';
import { FULL, sized } from '../support/suite-size';

// DCImanager keeps state the other backends do not: a session that ends (401, or code 1000 with another
// status), and services that sleep when idle and answer 503 while they wake. Neither may reach the caller.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How DCImanager says a session ended: 401, or code 1000 with 403 or 400 (see its simulator). */
const SESSION_STATUSES = sized([401], [401, 403, 400]);
/** Run in the full form only (`npm run test:faults`), to keep the default run short. */
const fullOnly = FULL ? it : it.skip;

describe('DCImanager sessions and wake-ups (faults, all four backends)', () => {
  let fg: FaultGateway;
  let dci: FaultBackend;
  let known: Server;
  const tally = new TaskTally();
  const figures = { dciLogins: 0, dciSessionsEndedUnderTasks: 0, dciWakeUps: 0 };

  const logins = async () => fg.ledger.requestCount(dci.name, /^POST .*auth\/v4\/public\/token$/);
  const freshRead = () => fg.caller.get<Server>(`/v1/servers/${known.id}`);
  const configure = (settings: Record<string, unknown>) => sim(dci.handle, 'POST', '/config', settings);

  beforeAll(async () => {
    fg = await startFaultGateway('fss');
    dci = fg.backend('dcimanager');
    known = (await fg.caller.get<{ items: Server[] }>(`/v1/servers?provider=${dci.name}`)).body.items[0];
  });

  afterEach(() => configure({ sessionErrorStatus: 401, idleSleepMs: 0 }));

  afterAll(async () => {
    reportFigures('sessions', fg.ledger, fg.caller.tally, {
      ...figures,
      tasksRun: tally.run,
      taskEnds: tally.totals(),
      taskFailures: tally.failures,
    });
    await fg?.close();
  });

  it.each(SESSION_STATUSES)(
    'renews a session that ended (HTTP %s) without the caller seeing it',
    async (status) => {
      await configure({ sessionErrorStatus: status });
      const before = await logins();
      for (let i = 0; i < 3; i++) {
        await configure({ expireSessions: true });
        const read = await freshRead();
        expect(read.status).toBe(200);
        expect(read.headers.get('cache-status')).toBeNull();
      }
      await configure({ expireSessions: true });
      const list = await fg.caller.get<{ providers: Array<{ status: string }> }>(
        `/v1/servers?provider=${dci.name}`,
      );
      expect(list.body.providers).toEqual([expect.objectContaining({ status: 'ok' })]);
      const renewed = (await logins()) - before;
      figures.dciLogins += renewed;
      expect(renewed).toBe(4);
    },
  );

  it('runs a server through create, stop and delete while its sessions end under each task', async () => {
    const body = await serverCreateBody(fg.caller, dci, 'unnamed');
    const before = await logins();
    let ended = false;
    const chain = runChain(fg.caller, tally, dci, serverChain(dci, body), 'fss-session-server').finally(
      () => (ended = true),
    );
    // Once per task, while it runs: end every session (one at a time, so a re-login is never ended too).
    const cut = new Set<string>();
    while (!ended) {
      const running = await fg.caller.get<{ items: Array<{ id: string }> }>(
        `/v1/tasks?provider=${dci.name}&status=running`,
      );
      for (const task of running.body.items.filter((t) => !cut.has(t.id))) {
        cut.add(task.id);
        await configure({ expireSessions: true });
      }
      await sleep(50);
    }
    const outcome = await chain;
    expect(outcome.tasks.map((task) => [task.operation, task.status])).toEqual([
      ['server.create', 'succeeded'],
      ['server.stop', 'succeeded'],
      ['server.delete', 'succeeded'],
    ]);
    expect(cut.size).toBeGreaterThanOrEqual(2);
    const renewed = (await logins()) - before;
    figures.dciLogins += renewed;
    figures.dciSessionsEndedUnderTasks += cut.size;
    expect(renewed).toBeGreaterThanOrEqual(cut.size - 1);
  });

  it('waits for a sleeping service to wake (503) and answers with data', async () => {
    const route = /^GET .*\/server\/:id$/;
    const before = await fg.ledger.requestCount(dci.name, route);
    // Both the login service and the API sleep, and the session is gone: the read logs in and reads, each
    // after its service woke.
    await configure({ sleep: ['auth', 'dci'], wakeMs: 500, expireSessions: true });
    const read = await freshRead();
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-status')).toBeNull();
    expect(await sim(dci.handle, 'GET', '/state')).toMatchObject({ sleeping: [] });
    // Answered 503 while waking, then the same call again: more than one request for one read.
    const calls = (await fg.ledger.requestCount(dci.name, route)) - before;
    figures.dciWakeUps += calls - 1;
    expect(calls).toBeGreaterThan(1);
  });

  fullOnly(
    'runs a server through create, stop and delete while its services fall asleep when idle',
    async () => {
      const body = await serverCreateBody(fg.caller, dci, 'unnamed');
      await configure({ idleSleepMs: 100, wakeMs: 300 });
      const outcome = await runChain(fg.caller, tally, dci, serverChain(dci, body), 'fss-sleepy-server');
      expect(outcome.tasks.map((task) => task.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    },
  );

  it('answered every request, with no 500 and only problem+json errors', () => {
    expect(fg.caller.tally.bad5xx).toEqual([]);
    expect(fg.caller.tally.notProblem).toEqual([]);
  });
});
