import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import type { Task } from '../generated/client';
import { backInStock } from './cancel-backend';
import type { ConformanceDriver, DriverBackend } from './driver';
import { DRIVERS } from './drivers';

/** Slow enough that a create is still running when the case cancels it, quick enough for the suite. */
const CANCEL_SPEED = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the backend create of a server has been made: its id is known, or the step that asks for it succeeded. */
const made = (task: Task) =>
  task.resource.id !== null ||
  task.steps.some(
    (step) =>
      !step.name.startsWith('wait-') && /create|assign/.test(step.name) && step.status === 'succeeded',
  );

/**
 * Cancel (docs/design.md#cancel) over every kind: a server create canceled once its backend create step has
 * succeeded ends `canceled` with no error, and the backend keeps no server made by it (DCImanager: back in stock).
 */
describe.each(DRIVERS.map((driver): [string, ConformanceDriver] => [driver.kind, driver]))(
  'cancel conformance: %s',
  (kind, driver) => {
    let dataDir: string;
    let backend: DriverBackend;
    let gateway: TestGateway;
    let client: Client;
    const name = `cx-${kind}`;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), `cloudmux-cancel-${kind}-`));
      backend = await driver.start({ speed: CANCEL_SPEED, dataDir });
      gateway = await startTestGateway({
        connections: [{ name, kind }],
        reuse: { simulators: new Map([[name, backend.simulator]]) },
        speed: CANCEL_SPEED,
        tuning: backend.connectionFields,
      });
      client = clientFor(gateway.baseUrl, KEYS.admin);
    });

    /** Creates the server and answers its task id once the backend create is made (the task still running). */
    async function createUntilMade(serverName: string): Promise<string> {
      const accepted = await api.createServer({
        client,
        body: { provider: name, ...backend.inputs.server(serverName), powerOn: false },
      });
      if (!accepted.data) throw new Error(JSON.stringify(accepted.error));
      const id = accepted.data.id;
      for (let i = 0; ; i++) {
        const task = (await api.getTask({ client, path: { id } })).data!;
        if (made(task)) return id;
        if (task.status !== 'running' && task.status !== 'queued')
          throw new Error(`the create ended before the cancel: ${JSON.stringify(task)}`);
        if (i > 2_000) throw new Error(`the create never made its server: ${JSON.stringify(task)}`);
        await sleep(20);
      }
    }

    afterAll(async () => {
      await gateway?.close();
      await backend?.simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('should undo a server create canceled after its backend create: canceled, no error, no server left', async () => {
      const serverName = `cancel-${kind}`;
      let id: string;
      // The cancel is asked as soon as the backend create is seen made; a create whose last waits end within that
      // instant has ended first (409: nothing left to cancel). That race is the test's, not the gateway's: the
      // server is deleted and the create tried again, a few times at most.
      for (let attempt = 1; ; attempt++) {
        id = await createUntilMade(serverName);
        const asked = await api.cancelTask({ client, path: { id } });
        if (asked.response.status === 202) break;
        const ended = (await api.getTask({ client, path: { id } })).data!;
        if (asked.response.status !== 409 || ended.status !== 'succeeded' || attempt >= 3)
          expect([asked.response.status, ended.status]).toEqual([202, 'running']);
        await succeeded(client, (await api.deleteServer({ client, path: { id: ended.resource.id! } })).data);
      }

      const done = await waitForTask(client, id, 240);
      expect(done).toMatchObject({ status: 'canceled', error: null });
      // Made before the cancel: deleted by the undo phase (its steps `undo-…`, all done).
      const undo = done.steps.filter((step) => step.name.startsWith('undo-'));
      if (done.resource.id) expect(undo.length).toBeGreaterThan(0);
      expect(undo.filter((step) => step.status !== 'succeeded')).toEqual([]);

      const listed = await api.listServers({ client, query: { provider: name, fresh: true } });
      expect(listed.data!.items.filter((s) => s.name === serverName && s.state !== 'deleted')).toEqual([]);
      if (done.resource.id) {
        const read = await api.getServer({ client, path: { id: done.resource.id }, query: { fresh: true } });
        expect(read.response.status === 404 || read.data?.state === 'deleted').toBe(true);
        const nativeId = done.resource.id.slice(name.length + 1);
        expect(backInStock(kind, backend.simulator, nativeId) ?? true).toBe(true);
      }
    });
  },
);
