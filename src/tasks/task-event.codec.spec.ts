import { ResourceType } from '../domain/states';
import { decodeEvent, encodeEvent } from './task-event.codec';
import { TaskStatus, type TaskSummary } from './task.dto';

const summary: TaskSummary = {
  id: '01JD7QK6ZB0M6Y7V3S9W1X2Y3Z',
  provider: 'sandbox-cloudsigma',
  operation: 'server.create',
  status: TaskStatus.Running,
  progress: 42,
  step: 'wait-imaging',
  providerStatus: '42%',
  resource: { type: ResourceType.Server, id: 'sandbox-cloudsigma:0b9c4a7e-1d2f-4c55-9a0b-2f1e3d4c5b6a' },
  errorCode: null,
  updatedAt: '2026-11-23T21:04:05.678Z',
};

describe('task event codec', () => {
  it('should give back the same event from its stream fields', () => {
    const fields = encodeEvent('task.updated', summary);
    expect(decodeEvent('1700000000000-0', fields)).toEqual({
      id: '1700000000000-0',
      type: 'task.updated',
      provider: 'sandbox-cloudsigma',
      taskId: summary.id,
      task: summary,
    });
  });

  it('should store far fewer bytes than named fields with a JSON summary', () => {
    const packed = encodeEvent('task.updated', summary).join('').length;
    const named = ['type', 'task.updated', 'provider', summary.provider, 'taskId', summary.id, 'task']
      .concat(JSON.stringify(summary))
      .join('').length;
    expect(packed).toBeLessThan(named * 0.7);
  });

  it('should still read entries written in the named form, and skip what it cannot read', () => {
    const old = [
      'type',
      'task.created',
      'provider',
      'p',
      'taskId',
      summary.id,
      'task',
      JSON.stringify(summary),
    ];
    expect(decodeEvent('1-0', old)).toMatchObject({
      type: 'task.created',
      taskId: summary.id,
      task: summary,
    });
    expect(decodeEvent('1-1', ['e', '{not json'])).toBeNull();
    expect(decodeEvent('1-2', ['other', 'x'])).toBeNull();
  });
});
