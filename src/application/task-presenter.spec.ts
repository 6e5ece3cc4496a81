import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import type { Task } from '../tasks/task.dto';
import { TaskPresenter } from './task-presenter';

describe('TaskPresenter', () => {
  const presenter = new TaskPresenter(new ProviderRegistry([]));
  const task = { id: '01T', provider: 'cm', providerKind: 'cloudmc', result: null } as unknown as Task;

  it('should show null for the actor and cancel time of a task stored before they were recorded', () => {
    const old = { ...task } as Partial<Task>;
    delete old.actor;
    delete old.cancelRequestedAt;
    expect(presenter.present(old as Task)).toMatchObject({ actor: null, cancelRequestedAt: null });
  });

  it('should keep them when recorded', () => {
    const recorded = { ...task, actor: { keyName: 'ops' }, cancelRequestedAt: '2026-01-01T00:00:00.000Z' };
    expect(presenter.present(recorded)).toMatchObject({
      actor: { keyName: 'ops' },
      cancelRequestedAt: '2026-01-01T00:00:00.000Z',
    });
  });
});
