import type { TaskEvent } from './task-event';
import { compareEvents, compareStreamIds, readMerged, type StreamChunk } from './task-event-merge';
import type { TaskSummary } from './task.dto';

const event = (provider: string, id: string): TaskEvent => ({
  id,
  type: 'task.updated',
  provider,
  taskId: `${provider}/${id}`,
  task: { id: `${provider}/${id}`, provider } as TaskSummary,
});

/** In-memory streams, one per connection, read as TaskEvents reads Redis (XRANGE after an id, COUNT). */
function streams(log: Record<string, string[]>) {
  const reads: Array<[string, string, number]> = [];
  const read = async (connection: string, afterId: string, count: number): Promise<StreamChunk> => {
    reads.push([connection, afterId, count]);
    const entries = (log[connection] ?? []).filter((id) => compareStreamIds(id, afterId) > 0).slice(0, count);
    return {
      events: entries.map((id) => event(connection, id)),
      last: entries.at(-1) ?? null,
      more: entries.length === count,
    };
  };
  return { read, reads };
}

const ids = (events: TaskEvent[]) => events.map((e) => `${e.provider}@${e.id}`);

describe('readMerged (docs/design.md#event-cursor)', () => {
  it('merges streams by time, ties by connection then sequence', async () => {
    const { read } = streams({
      b: ['100-0', '100-1', '300-0'],
      a: ['100-0', '200-0', '200-1', '300-0'],
    });
    const from = new Map([
      ['a', '0-0'],
      ['b', '0-0'],
    ]);
    expect(ids(await readMerged(from, 10, read))).toEqual([
      'a@100-0',
      'b@100-0',
      'b@100-1',
      'a@200-0',
      'a@200-1',
      'a@300-0',
      'b@300-0',
    ]);
  });

  it('pages through interleaved streams without losing or repeating one event at any page size', async () => {
    const log: Record<string, string[]> = { a: [], b: [], c: [] };
    for (let ms = 1; ms <= 60; ms++) {
      if (ms % 2) log.a.push(`${ms}-0`);
      if (ms % 3) log.b.push(`${ms}-0`, `${ms}-1`);
      if (ms % 5 === 0) log.c.push(`${ms}-0`);
    }
    const all = Object.entries(log)
      .flatMap(([c, list]) => list.map((id) => event(c, id)))
      .sort(compareEvents);
    const { read } = streams(log);
    for (const size of [1, 2, 3, 7, 33, 500]) {
      const positions = new Map(Object.keys(log).map((c) => [c, '0-0']));
      const seen: TaskEvent[] = [];
      for (let page = 0; page < 1_000; page++) {
        const got = await readMerged(positions, size, read);
        expect(got.length).toBeLessThanOrEqual(size);
        for (const e of got) positions.set(e.provider, e.id);
        seen.push(...got);
        if (got.length < size) break;
      }
      expect(ids(seen)).toEqual(ids(all));
    }
  });

  it('reads on after a position in each stream, not after one time: a slow clock is not skipped', async () => {
    // b's shard runs 10 s behind: its newer event carries an older time than a's last one.
    const { read } = streams({ a: ['20000-0', '30000-0'], b: ['9000-0', '12000-0'] });
    const from = new Map([
      ['a', '20000-0'],
      ['b', '9000-0'],
    ]);
    expect(ids(await readMerged(from, 10, read))).toEqual(['b@12000-0', 'a@30000-0']);
  });

  it('reads about a page of entries, not a page per stream', async () => {
    const log: Record<string, string[]> = {};
    for (let c = 0; c < 20; c++) log[`c${c}`] = Array.from({ length: 100 }, (_, i) => `${i * 20 + c}-0`);
    const { read, reads } = streams(log);
    const got = await readMerged(new Map(Object.keys(log).map((c) => [c, '0-0'])), 100, read);
    expect(got).toHaveLength(100);
    const asked = reads.reduce((sum, [, , count]) => sum + count, 0);
    expect(asked).toBeLessThanOrEqual(300);
  });

  it('skips entries it cannot read without stopping the merge', async () => {
    const chunks: Record<string, StreamChunk[]> = {
      a: [
        { events: [], last: '5-0', more: true },
        { events: [event('a', '7-0')], last: '7-0', more: false },
      ],
      b: [{ events: [event('b', '6-0')], last: '6-0', more: false }],
    };
    const read = async (connection: string) =>
      chunks[connection].shift() ?? { events: [], last: null, more: false };
    const got = await readMerged(
      new Map([
        ['a', '0-0'],
        ['b', '0-0'],
      ]),
      10,
      read,
    );
    expect(ids(got)).toEqual(['b@6-0', 'a@7-0']);
  });
});
