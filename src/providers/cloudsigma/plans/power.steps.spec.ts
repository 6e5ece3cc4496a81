import { ConflictError, ValidationError } from '../../../common/errors/gateway-error';
import { MemoryClaims } from '../../kit/memory-claims';
import { MemorySharedPolls } from '../../kit/memory-shared-polls';
import { parseObject, type KvObject } from '../client/codec';
import type { CloudsigmaClient } from '../client/http.client';
import { CloudsigmaDrive, CloudsigmaServer } from '../client/wire';
import type { CloudsigmaContext } from './context';
import { PolledReader } from './reads';
import { powerAction } from './power.steps';

// The tolerant parts of the power steps, against a scripted client (the contract suite covers the happy paths).

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

describe('powerAction', () => {
  it('should take a refused start as done when the server is active anyway (400 or 409: docs/providers/cloudsigma.md#power-actions)', async () => {
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
