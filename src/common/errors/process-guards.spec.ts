import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { LogOncePerKind } from './log-once';
import { installRejectionGuard } from './process-guards';

function fakeLogger() {
  return { warn: jest.fn(), error: jest.fn() };
}

describe('installRejectionGuard', () => {
  it('should log an unhandled rejection once per kind, and keep the process (no rethrow)', () => {
    const target = new EventEmitter();
    const logger = fakeLogger();
    const remove = installRejectionGuard(logger as unknown as Logger, target);
    const oom = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), {
      name: 'ReplyError',
    });
    for (let i = 0; i < 50; i++) target.emit('unhandledRejection', oom, Promise.resolve());
    target.emit('unhandledRejection', new TypeError('a bug'), Promise.resolve());
    target.emit('unhandledRejection', new TypeError('a bug'), Promise.resolve());
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatchObject({ kind: 'redis:oom' });
    expect(logger.error).toHaveBeenCalledTimes(1);
    remove();
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });

  it('should be what keeps Node from exiting: a listener on the real process while installed', () => {
    const before = process.listenerCount('unhandledRejection');
    const remove = installRejectionGuard(fakeLogger() as unknown as Logger);
    expect(process.listenerCount('unhandledRejection')).toBe(before + 1);
    remove();
    expect(process.listenerCount('unhandledRejection')).toBe(before);
  });
});

describe('LogOncePerKind', () => {
  it('should log the first of a kind, then once per window with the count left out, for a bounded set of kinds', () => {
    const once = new LogOncePerKind(1_000, 2);
    const logged: Array<[string, number]> = [];
    const note = (kind: string, now: number) => once.note(kind, (n) => logged.push([kind, n]), now);
    note('a', 0);
    note('a', 10);
    note('a', 20);
    note('b', 30);
    note('a', 1_500);
    note('c', 1_600); // forgets the oldest kind (b)
    note('b', 1_700);
    expect(logged).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 2],
      ['c', 0],
      ['b', 0],
    ]);
  });
});
