import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { TASK_DICTIONARY } from './task-dictionary';

const task = JSON.stringify({
  id: '01JD7QK6ZB0M6Y7V3S9W1X2Y3Z',
  provider: 'dc1',
  providerKind: 'dcimanager',
  operation: 'server.stop',
  status: 'succeeded',
  resource: { type: 'server', id: 'dc1:42' },
  progress: 100,
  steps: ['power-off', 'wait-stopped'].map((name) => ({
    name,
    status: 'succeeded',
    startedAt: '2026-11-23T21:04:05.690Z',
    completedAt: '2026-11-23T21:04:08.012Z',
  })),
  providerRef: { kind: 'dcimanager-operation', id: '9001' },
  providerStatus: 'off',
  error: null,
  result: {
    id: 'dc1:42',
    provider: 'dc1',
    providerKind: 'dcimanager',
    nativeId: '42',
    name: 'db-1',
    state: 'stopped',
  },
  createdAt: '2026-11-23T21:04:05.600Z',
  updatedAt: '2026-11-23T21:04:09.110Z',
  completedAt: '2026-11-23T21:04:09.110Z',
  deadlineAt: '2026-11-23T22:04:05.600Z',
});

describe('task dictionary', () => {
  it('should never change: records in Redis were deflated with it', () => {
    expect(createHash('sha256').update(TASK_DICTIONARY).digest('hex')).toBe(
      '8a0d09b41888e0caa4d44a6fece77835db5c1ad930f74b4e3f965ffd2b5226a2',
    );
  });

  it('should make an ended task markedly smaller than deflate alone', () => {
    const alone = deflateRawSync(task).length;
    const withDictionary = deflateRawSync(task, { dictionary: TASK_DICTIONARY }).length;
    expect(withDictionary).toBeLessThan(alone * 0.85);
  });

  it('should read records deflated before it existed as well as its own', () => {
    const old = deflateRawSync(task);
    const current = deflateRawSync(task, { dictionary: TASK_DICTIONARY });
    expect(inflateRawSync(old, { dictionary: TASK_DICTIONARY }).toString()).toBe(task);
    expect(inflateRawSync(current, { dictionary: TASK_DICTIONARY }).toString()).toBe(task);
  });
});
