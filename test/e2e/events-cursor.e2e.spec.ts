import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { ResourceType } from '../../src/domain/states';
import { encodeEvent } from '../../src/tasks/task-event.codec';
import { TaskStatus, type TaskSummary } from '../../src/tasks/task.dto';
import { api, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { openEvents, type SseEvent } from '../support/sse';

// Task events on one stream per connection (docs/design.md#event-cursor): SSE fans out over the connections a key
// may see, replays in pages merged by time (ties by connection, then sequence), and its event ids are cursors of
// every followed stream's position, so a resume loses nothing and repeats nothing, a page boundary falling between
// two connections' events included, and an event of a shard whose clock is behind is not skipped. A plain stream
// id of earlier versions still resumes.

const A = 'cm-a';
const B = 'cm-b';
/** Events the gateway replays per page (EventFeed): the synthetic log below spans three pages. */
const PAGE = 500;

/** A synthetic event's summary: its id names its stream entry, so the test can tell each one apart. */
function summary(connection: string, entryId: string): TaskSummary {
  return {
    id: `${connection}@${entryId}`,
    provider: connection,
    operation: 'server.reboot',
    status: TaskStatus.Running,
    progress: null,
    step: null,
    providerStatus: null,
    resource: { type: ResourceType.Server, id: null },
    errorCode: null,
    updatedAt: new Date().toISOString(),
  };
}

const subject = (event: SseEvent) => (JSON.parse(event.data) as TaskSummary).id;

/** The merge order of the replay: the entry's time, then the connection, then its sequence. */
function mergeOrder(a: string, b: string): number {
  const [ca, ia] = a.split('@');
  const [cb, ib] = b.split('@');
  const [ma, sa] = ia.split('-').map(Number);
  const [mb, sb] = ib.split('-').map(Number);
  return ma - mb || (ca < cb ? -1 : ca > cb ? 1 : 0) || sa - sb;
}

describe('event cursors across connections (e2e, real Redis)', () => {
  let gateway: TestGateway;
  let redis: Redis;
  let admin: Client;
  /** Every synthetic event, in the order a full replay must send it. */
  const log: string[] = [];
  let base: number;

  const open = (lastEventId?: string, query = '', key = KEYS.admin) =>
    openEvents(`${gateway.baseUrl}/v1/events${query}`, {
      Authorization: `Bearer ${key}`,
      ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
    });

  /** Opens a stream resumed from `lastEventId` and reads `count` events. */
  async function replay(lastEventId: string, count: number): Promise<SseEvent[]> {
    const stream = await open(lastEventId);
    expect(stream.status).toBe(200);
    const events = await stream.until((all) => all.length >= count, 60_000);
    // Nothing more is on its way: one more event would be a repeat.
    await new Promise((resolve) => setTimeout(resolve, 200));
    stream.close();
    return events;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: A, kind: 'cloudmc' },
        { name: B, kind: 'cloudmc' },
      ],
    });
    redis = new Redis(gateway.redisUrl);
    admin = clientFor(gateway.baseUrl, KEYS.admin);
    // Interleaved events in the same milliseconds: A one a millisecond for 600 ms; B in the first 500 only (its
    // shard's clock lags), two in every third millisecond. Written with explicit ids, so the order is known.
    base = Date.now() - 60_000;
    const pipeline = redis.pipeline();
    for (let k = 0; k < 600; k++) {
      const entries: Array<[string, string]> = [[A, `${base + k}-0`]];
      if (k < 500) entries.push([B, `${base + k}-0`]);
      if (k < 500 && k % 3 === 0) entries.push([B, `${base + k}-1`]);
      for (const [connection, id] of entries) {
        pipeline.xadd(keys.events(connection), id, ...encodeEvent('task.updated', summary(connection, id)));
        log.push(`${connection}@${id}`);
      }
    }
    await pipeline.exec();
    log.sort(mergeOrder);
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
  });

  it('replays from an old plain stream id in pages merged by time, then resumes from any event id exactly', async () => {
    expect(log.length).toBeGreaterThan(2 * PAGE);
    // A plain id from before per-connection streams: after that time on every stream.
    const all = await replay(`${base - 1}-0`, log.length);
    expect(all.map(subject)).toEqual(log);
    // Small: two connections' positions.
    expect(Math.max(...all.map((e) => e.id!.length))).toBeLessThan(40);
    // Page boundaries (after 500 and 1,000 events) fall between the two connections' events in one millisecond.
    for (const at of [0, PAGE - 2, PAGE - 1, PAGE, 2 * PAGE - 1, log.length - 2]) {
      const rest = await replay(all[at].id!, log.length - at - 1);
      expect([at, rest.map(subject)]).toEqual([at, log.slice(at + 1)]);
    }
  });

  it('takes a plain id as that position on every stream', async () => {
    const from = `${base + 300}-0`;
    const expected = log.filter((s) => mergeOrder(`${s.split('@')[0]}@${from}`, s) < 0);
    const events = await replay(from, expected.length);
    expect(events.map(subject)).toEqual(expected);
  });

  it('does not skip an event of a connection whose clock is behind, live or after a resume', async () => {
    // Live from where each stream stands now (A at base+599, B at base+499).
    const live = await open();
    const ahead = `${base + 600}-0`;
    await redis.xadd(keys.events(A), ahead, ...encodeEvent('task.updated', summary(A, ahead)));
    await live.until((all) => all.length === 1);
    // B's next event carries an older time than A's last one, which the client has.
    const lagging = `${base + 520}-0`;
    await redis.xadd(keys.events(B), lagging, ...encodeEvent('task.updated', summary(B, lagging)));
    const got = await live.until((all) => all.length === 2);
    live.close();
    expect(got.map(subject)).toEqual([`${A}@${ahead}`, `${B}@${lagging}`]);
    // Resumed from the event before it: it is replayed, though older than that event.
    expect((await replay(got[0].id!, 1)).map(subject)).toEqual([`${B}@${lagging}`]);
    // From the lagging event's own id: nothing after it.
    expect(await replay(got[1].id!, 0)).toEqual([]);
  });

  it('streams real tasks of both connections and resumes a stream filtered to one on an unfiltered one', async () => {
    const stream = await open(undefined, `?provider=${B}`);
    const onA = await succeeded(
      admin,
      (await api.createNetwork({ client: admin, body: { provider: A, name: 'ca' } })).data,
    );
    const onB = await succeeded(
      admin,
      (await api.createNetwork({ client: admin, body: { provider: B, name: 'cb' } })).data,
    );
    const mine = await stream.until((all) => all.some((e) => e.event === 'task.succeeded'));
    stream.close();
    expect(mine.every((e) => (JSON.parse(e.data) as TaskSummary).provider === B)).toBe(true);
    expect(mine.map((e) => (JSON.parse(e.data) as TaskSummary).id)).toContain(onB.id);
    // From B's first event, unfiltered: B resumes at its position; A, not in the cursor, from the cursor's time.
    const resumed = await open(mine[0].id, `?taskId=${onB.id}`);
    const rest = await resumed.until((all) => all.some((e) => e.event === 'task.succeeded'));
    resumed.close();
    expect(rest.map((e) => e.data)).toEqual(mine.slice(1).map((e) => e.data));
    const query = await open(undefined, `?taskId=${onA.id}&lastEventId=${encodeURIComponent(`${base}-0`)}`);
    const ofA = await query.until((all) => all.some((e) => e.event === 'task.succeeded'));
    query.close();
    expect(ofA[0].event).toBe('task.created');
    expect(ofA.every((e) => subject(e) === onA.id)).toBe(true);
  });

  it('refuses a damaged or foreign cursor before the stream opens', async () => {
    const stream = await open(`${base + 598}-0`);
    const [event] = await stream.until((all) => all.length === 1);
    stream.close();
    const id = event.id!;
    const damaged = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    for (const bad of [damaged, 'yesterday', `${id}x`]) {
      const answer = await fetch(`${gateway.baseUrl}/v1/events`, {
        headers: { Authorization: `Bearer ${KEYS.admin}`, 'Last-Event-ID': bad },
      });
      expect([bad, answer.status]).toEqual([bad, 400]);
      expect(await answer.json()).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'Last-Event-ID' }],
      });
    }
  });
});
