import { NeedsAttentionError, ProviderError } from '../../../common/errors/gateway-error';
import { MemorySharedPolls } from '../../kit/memory-shared-polls';
import { markedName } from '../../ports/markers';
import type { StepContext } from '../../ports/operation-plan';
import type { CloudmcClient, CmTaskView } from '../client/http.client';
import { TASK_KEY } from './call.steps';
import type { CloudmcContext } from './context';
import { waitRunning } from './power.steps';
import { CloudmcPolls } from './reads';

// The waits on shared lists (docs/providers/cloudmc.md#waiting), against a scripted client: the list tells, the
// task is read only while the resource shows nothing of the operation. The contract suite covers the simulator.

const TASK_ID = '01JWAITSTEPS0000000000TASK';
const instance = (id: string, state: string, name = id) => ({ id, name, state });

function setup() {
  let now = 1_000_000;
  let listed: unknown[] = [];
  const task = jest.fn<Promise<CmTaskView | null>, [string]>();
  const client = { list: jest.fn(async () => listed), task } as unknown as CloudmcClient;
  const context = {
    client,
    backoff: { initialMs: 10, maxMs: 10 },
    polled: new CloudmcPolls(client, new MemorySharedPolls(() => now), 10),
  } as unknown as CloudmcContext;
  const state: Record<string, unknown> = { [TASK_KEY]: 'cm-task-1' };
  return {
    context,
    task,
    state,
    /** What the next list answers (a tick later, so that it is listed again). */
    list(items: unknown[]) {
      listed = items;
      now += 20;
    },
    ctx: (nativeId: string | null): StepContext => ({
      taskId: TASK_ID,
      nativeId,
      state,
      polls: 0,
      stepStartedAt: 0,
      resumed: false,
    }),
  };
}

const taskView = (status: string, failure: string | null = null, result: unknown = null): CmTaskView => ({
  status,
  result,
  failure,
});

describe('CloudMC waits on the shared lists', () => {
  it('should end a start on the list alone, never reading its task', async () => {
    const t = setup();
    t.list([instance('vm-1', 'Starting')]);
    const step = waitRunning(t.context);
    expect(await step.run(t.ctx('vm-1'))).toMatchObject({ status: 'wait', providerStatus: 'Starting' });
    t.list([instance('vm-1', 'Running')]);
    expect(await step.run(t.ctx('vm-1'))).toMatchObject({ status: 'done', providerStatus: 'Running' });
    expect(t.task).not.toHaveBeenCalled();
  });

  it('should read the task while the instance shows the state before the call: PENDING waits, FAILED fails', async () => {
    const t = setup();
    t.list([instance('vm-1', 'Stopped')]);
    const step = waitRunning(t.context);
    t.task.mockResolvedValueOnce(taskView('PENDING'));
    expect(await step.run(t.ctx('vm-1'))).toMatchObject({ status: 'wait', providerStatus: 'PENDING' });
    t.list([instance('vm-1', 'Stopped')]);
    t.task.mockResolvedValueOnce(taskView('FAILED', 'no capacity'));
    const failed = step.run(t.ctx('vm-1'));
    await expect(failed).rejects.toBeInstanceOf(ProviderError);
    await expect(failed).rejects.toThrow('The CloudMC task failed: no capacity');
  });

  it('should read an ended task no more, and leave the rest to the list', async () => {
    const t = setup();
    t.list([instance('vm-1', 'Stopped')]);
    const step = waitRunning(t.context);
    t.task.mockResolvedValue(taskView('SUCCESS'));
    expect(await step.run(t.ctx('vm-1'))).toMatchObject({ status: 'wait', providerStatus: 'SUCCESS' });
    t.list([instance('vm-1', 'Stopped')]);
    expect(await step.run(t.ctx('vm-1'))).toMatchObject({ status: 'wait', providerStatus: 'Stopped' });
    expect(t.task).toHaveBeenCalledTimes(1);
  });

  it("should find a create's instance by its marker and name it, and refuse two that carry it", async () => {
    const t = setup();
    const step = waitRunning(t.context, true);
    t.list([instance('other', 'Running', 'web'), instance('vm-9', 'Starting', markedName('web', TASK_ID))]);
    expect(await step.run(t.ctx(null))).toMatchObject({ status: 'wait', nativeId: 'vm-9' });
    t.list([
      instance('vm-9', 'Starting', markedName('web', TASK_ID)),
      instance('vm-10', 'Starting', markedName('web', TASK_ID)),
    ]);
    await expect(step.run(t.ctx(null))).rejects.toBeInstanceOf(NeedsAttentionError);
    expect(t.task).not.toHaveBeenCalled();
  });

  it('should learn a create listed late from its task, and fail one with no trace once its task is forgotten', async () => {
    const t = setup();
    const step = waitRunning(t.context, true);
    t.list([]);
    t.task.mockResolvedValueOnce(taskView('SUCCESS', null, { id: 'vm-late' }));
    expect(await step.run(t.ctx(null))).toMatchObject({ status: 'wait', nativeId: 'vm-late' });

    const forgotten = setup();
    forgotten.list([]);
    forgotten.task.mockResolvedValueOnce(null);
    await expect(waitRunning(forgotten.context, true).run(forgotten.ctx(null))).rejects.toThrow(
      'CloudMC forgot the task and the resource shows no trace of the operation.',
    );
  });

  it('should keep waiting on an instance that fails its checks, saying why, without taking it for gone', async () => {
    const t = setup();
    t.list([{ id: 'vm-1', name: 'web', state: 42 }]);
    expect(await waitRunning(t.context).run(t.ctx('vm-1'))).toMatchObject({
      status: 'wait',
      providerStatus: expect.stringMatching(/^unreadable: not a CloudMC instance/),
    });
    t.list([{ name: 'no id' }]);
    expect(await waitRunning(t.context).run(t.ctx('vm-1'))).toMatchObject({
      status: 'wait',
      providerStatus: 'unreadable: the answer has 1 item(s) without a usable id',
    });
    expect(t.task).not.toHaveBeenCalled();
  });
});
