import { ConflictError, NeedsAttentionError, ValidationError } from '../../common/errors/gateway-error';
import { MemoryClaims } from '../ports/claims';
import { parseObject, type KvObject } from './cloudsigma.codec';
import { type CloudsigmaContext, findMarked } from './cloudsigma.context';
import type { CloudsigmaClient } from './cloudsigma-http.client';
import { powerAction, waitServer } from './cloudsigma-power.steps';
import { PolledReader } from './cloudsigma-readers';
import { CloudsigmaDrive, CloudsigmaServer } from './cloudsigma.wire';

// The tolerant parts of the power steps, against a scripted client (the contract suite covers the happy paths).

const ID = '11111111-aaaa-4bbb-8ccc-000000000001';

function contextWith(client: Partial<CloudsigmaClient>, servers: KvObject[] = []): CloudsigmaContext {
  return {
    client: client as CloudsigmaClient,
    map: { connection: 'cs', location: { id: 'zrh', name: 'Zurich' }, onUnknownState: () => undefined },
    backoff: { initialMs: 10, maxMs: 10 },
    servers: new PolledReader(async () => servers, CloudsigmaServer, 1),
    drives: new PolledReader(async () => [], CloudsigmaDrive, 1),
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

describe('powerAction', () => {
  it('should take a refused start as done when the server is active anyway (400 or 409 [U])', async () => {
    for (const refusal of [new ValidationError('already active'), new ConflictError('busy')]) {
      const context = contextWith({
        action: jest.fn().mockRejectedValue(refusal),
        object: jest.fn().mockResolvedValue(parseObject(`server ${ID}\nname web\nstatus active\n`)),
      });
      await expect(powerAction(context, ID, 'start', (s) => s === 'active')).resolves.toBeUndefined();
    }
  });

  it('should pass the refusal on when the server is not where the call would have taken it', async () => {
    const refusal = new ValidationError('not active');
    const context = contextWith({
      action: jest.fn().mockRejectedValue(refusal),
      object: jest.fn().mockResolvedValue(parseObject(`server ${ID}\nname web\nstatus paused\n`)),
    });
    await expect(powerAction(context, ID, 'stop', (s) => s === 'stopped')).rejects.toBe(refusal);
  });
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

describe('waitServer on an answer it cannot read (issue 12)', () => {
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

  it('should fail a step with provider_error when the server it reads is malformed', async () => {
    const context = contextWith({
      action: jest.fn().mockRejectedValue(new ValidationError('not active')),
      object: jest.fn().mockResolvedValue(parseObject(`server ${ID}\nstatus active\n`)),
    });
    await expect(powerAction(context, ID, 'stop', (s) => s === 'stopped')).rejects.toMatchObject({
      code: 'provider_error',
      message: expect.stringMatching(/malformed CloudSigma server: \/name/),
    });
  });
});

describe('findMarked', () => {
  const marker = 'gw0123456789';
  it('should find its object by the user:gwtask key or, failing that, by the marker ending the name', () => {
    expect(findMarked([parseObject(`drive d-1\nuser:gwtask ${marker}\n`)], marker, 'drive', 'drives')).toBe(
      'd-1',
    );
    expect(findMarked([parseObject(`drive d-2\nname web-boot-${marker}\n`)], marker, 'drive', 'drives')).toBe(
      'd-2',
    );
    expect(findMarked([parseObject('drive d-3\nname web-boot\n')], marker, 'drive', 'drives')).toBeNull();
  });

  it('should need a person when two objects carry the marker', () => {
    const two = [
      parseObject(`drive d-1\nuser:gwtask ${marker}\n`),
      parseObject(`drive d-2\nuser:gwtask ${marker}\n`),
    ];
    expect(() => findMarked(two, marker, 'drive', 'drives')).toThrow(NeedsAttentionError);
  });
});
