import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SnapshotCache } from '../../cache/snapshot-cache.service';
import { Caller } from '../../common/auth/caller';
import { UnsupportedOperationError } from '../../common/errors/gateway-error';
import type { HttpCall } from '../../common/http/call.decorator';
import { ProviderKind } from '../../domain/states';
import type { ProviderAdapter } from '../../providers/ports/provider-adapter';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import type { TaskIntake } from '../../tasks/task-intake.service';
import { MutationService } from './mutation.service';
import { ProviderOptionsValidator } from './provider-options.validator';
import { ResourceAccess } from './resource-access.service';

describe('MutationService', () => {
  const backend = { list: jest.fn(), get: jest.fn() };
  // A bare-metal-like adapter: servers can be read and started, volumes only read.
  const adapter: ProviderAdapter = {
    name: 'bm',
    kind: ProviderKind.Dcimanager,
    servers: { ...backend, start: jest.fn() },
    volumes: { ...backend },
    unsupportedReasons: { 'volume.create': 'bare metal has no block volumes' },
    probe: jest.fn(),
  };
  const intake = { submit: jest.fn(), replay: jest.fn() };
  const cache = { item: jest.fn() };
  const service = new MutationService(
    new ResourceAccess(new ProviderRegistry([adapter])),
    intake as unknown as TaskIntake,
    cache as unknown as SnapshotCache,
    new ProviderOptionsValidator(),
  );
  const call = (caller = new Caller('k', new Set(['read', 'write']), null)): HttpCall => ({
    caller,
    request: {
      headers: {},
      method: 'POST',
      url: '/v1/volumes',
      body: {},
      id: 'r1',
    } as unknown as FastifyRequest,
    reply: {} as FastifyReply,
  });

  beforeEach(() => jest.clearAllMocks());

  it('should answer 501 naming the operation and the reason, before any backend call, when the adapter lacks it', async () => {
    const attempt = service.submit({
      call: call(),
      operation: 'volume.create',
      connection: 'bm',
      input: () => ({ name: 'v', sizeGb: 10, providerOptions: {} }),
    });
    await expect(attempt).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(attempt).rejects.toMatchObject({
      status: 501,
      provider: 'bm',
      message: expect.stringContaining('bare metal has no block volumes'),
    });
    expect(backend.list).not.toHaveBeenCalled();
    expect(backend.get).not.toHaveBeenCalled();
    expect(cache.item).not.toHaveBeenCalled();
    expect(intake.submit).not.toHaveBeenCalled();
  });

  it('should answer 501 for an operation on an existing resource without reading it first', async () => {
    await expect(service.submitOn(call(), 'volume.detach', 'bm:7', {})).rejects.toMatchObject({
      code: 'unsupported_operation',
    });
    expect(cache.item).not.toHaveBeenCalled();
  });

  it('should answer 404, not 501, to a caller who may not see the connection', async () => {
    const stranger = new Caller('s', new Set(['read', 'write']), new Set(['other']));
    await expect(service.submitOn(call(stranger), 'volume.detach', 'bm:7', {})).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
