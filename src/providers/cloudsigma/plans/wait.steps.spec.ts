import { MemoryClaims } from '../../kit/memory-claims';
import { MemorySharedPolls } from '../../kit/memory-shared-polls';
import { parseObject, type KvObject } from '../client/codec';
import type { CloudsigmaClient } from '../client/http.client';
import { CloudsigmaDrive, CloudsigmaServer } from '../client/wire';
import type { CloudsigmaContext } from './context';
import { PolledReader } from './reads';
import { waitServer } from './wait.steps';

// The tolerant parts of the server wait, against a scripted client (the contract suite covers the happy paths).

const ID = '11111111-aaaa-4bbb-8ccc-000000000001';

function contextWith(client: Partial<CloudsigmaClient>, servers: KvObject[] = []): CloudsigmaContext {
  return {
    client: client as CloudsigmaClient,
    map: { location: { id: 'zrh', name: 'Zurich' }, onUnknownState: () => undefined },
    backoff: { initialMs: 10, maxMs: 10 },
    servers: new PolledReader(new MemorySharedPolls(), 'servers', 10, async () => servers, CloudsigmaServer),
    drives: new PolledReader(new MemorySharedPolls(), 'drives', 10, async () => [], CloudsigmaDrive),
    limits: { maxItems: 100 },
    shutdownGraceMs: 0,
    deleteDrives: false,
    claims: new MemoryClaims(),
  };
}

const ctx = (state: Record<string, unknown> = {}) => ({
  taskId: 'T',
  nativeId: ID,
  state,
  polls: 0,
  stepStartedAt: 0,
  resumed: false,
});

describe('waitServer', () => {
  it('should follow an unanswered shutdown of its own with a hard stop once the grace period passed', async () => {
    const action = jest.fn().mockResolvedValue([]);
    const context = contextWith({ action }, [parseObject(`server ${ID}\nname web\nstatus active\n`)]);
    const step = waitServer(context, 'wait-stopped', 'stopped', () => ID, {
      whenMissing: 'fail',
      graceStop: true,
    });
    const state: Record<string, unknown> = { shutdownAt: Date.now() - 1 };
    expect(await step.run(ctx(state))).toMatchObject({
      status: 'wait',
      providerStatus: expect.stringMatching(/stop sent/),
    });
    expect(action).toHaveBeenCalledWith(`/servers/${ID}/stop`, 'servers.stop');
    expect(await step.run(ctx(state))).toMatchObject({ status: 'wait', providerStatus: 'active' });
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('should fail a wait for running when the server goes dumped, and count it as stopped for a delete', async () => {
    const context = contextWith({}, [parseObject(`server ${ID}\nname web\nstatus dumped\n`)]);
    await expect(
      waitServer(context, 'wait-running', 'active', () => ID, { whenMissing: 'fail' }).run(ctx()),
    ).rejects.toThrow(/dumped/);
    await expect(
      waitServer(context, 'wait-stopped', 'stopped', () => ID, {
        whenMissing: 'done',
        acceptBroken: true,
      }).run(ctx()),
    ).resolves.toMatchObject({ status: 'done' });
  });
});

describe('waitServer on an answer it cannot read (docs/adr/0004-untrusted-backends.md)', () => {
  const stopped = (context: CloudsigmaContext) =>
    waitServer(context, 'wait-stopped', 'stopped', () => ID, { whenMissing: 'done' }).run(ctx());

  it('should keep waiting, saying why, while the server object fails its checks', async () => {
    const context = contextWith({}, [parseObject(`server ${ID}\nname web\nstatus stopped\nstarted soon\n`)]);
    await expect(stopped(context)).resolves.toMatchObject({
      status: 'wait',
      providerStatus: expect.stringMatching(/^unreadable: not a CloudSigma server: \/started/),
    });
  });

  it('should not take a server hidden among objects without a usable id for a deleted one', async () => {
    const nameless = parseObject('name web\nstatus active\n');
    await expect(stopped(contextWith({}, [nameless]))).resolves.toMatchObject({
      status: 'wait',
      providerStatus: expect.stringMatching(/^unreadable: .*without a usable id/),
    });
    await expect(stopped(contextWith({}, []))).resolves.toMatchObject({ status: 'done' });
  });
});
