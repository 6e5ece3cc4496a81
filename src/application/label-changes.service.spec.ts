import type { SnapshotCache } from '../cache/snapshot-cache.service';
import { Caller } from '../common/auth/caller';
import { NotFoundError } from '../common/errors/gateway-error';
import type { ConnectionConfig } from '../config/gateway-config';
import { ProviderKind, ResourceType } from '../domain/states';
import type { AdapterFeatures } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import type { LabelStore } from '../tasks/label-store.service';
import type { TaskStore } from '../tasks/task-store.service';
import { LabelChanges } from './label-changes.service';
import { MutationService, type MutationCall } from './mutation.service';
import { entityTag } from '../common/http/etag';
import { presentResource } from './resource-presenter';
import { ResourceAccess } from './resource-access.service';

const connection = (name: string, features: AdapterFeatures) =>
  new Connection(
    {
      name,
      kind: ProviderKind.Imco,
      servers: { list: jest.fn(), get: jest.fn() },
      features,
      plans: { 'server.relabel': jest.fn() },
      probe: jest.fn(),
    },
    { name, kind: 'imco' } as ConnectionConfig,
  );

describe('LabelChanges (docs/design.md#labels)', () => {
  const current = { nativeId: 's1', state: 'running', labels: { env: 'prod', team: 'web' } };
  const mutations = {
    requireExisting: jest.fn(async () => undefined),
    freshRead: jest.fn(async () => current),
    checkDeadline: jest.fn(),
    // The real check: the tag of the fresh read as a GET presents it.
    requireVersion: jest.fn(MutationService.prototype.requireVersion),
    submit: jest.fn(async (params: { input: () => Promise<unknown> }) => ({
      task: { input: await params.input() },
      replayed: false,
    })),
  };
  const cache = { changed: jest.fn() };
  const labels = { set: jest.fn() };
  const tasks = { activeTaskIds: jest.fn(async (): Promise<Array<string | null>> => [null]) };
  const service = new LabelChanges(
    new ResourceAccess(
      new ProviderRegistry([connection('held', {}), connection('native', { nativeLabels: ['server'] })]),
    ),
    mutations as unknown as MutationService,
    cache as unknown as SnapshotCache,
    labels as unknown as LabelStore,
    tasks as unknown as TaskStore,
  );
  const call: MutationCall = {
    caller: new Caller('k', new Set(['read', 'write']), null),
    idempotencyKey: undefined,
    method: 'PATCH',
    path: '/v1/servers/x',
    body: {},
    requestId: 'r',
  };

  beforeEach(() => jest.clearAllMocks());

  it('should change labels the gateway keeps at once: merged, stored, the cache told, the resource answered', async () => {
    const outcome = await service.change(call, ResourceType.Server, 'held:s1', { team: null, tier: 'db' });
    const labelsNow = { env: 'prod', tier: 'db' };
    expect(labels.set).toHaveBeenCalledWith('held', 'server', 's1', labelsNow);
    expect(cache.changed).toHaveBeenCalledWith('held', 'server', 's1', { ...current, labels: labelsNow });
    expect(outcome.resource).toMatchObject({ resourceType: 'server', labels: labelsNow, allowedActions: {} });
    expect(mutations.submit).not.toHaveBeenCalled();
  });

  it('should refuse a change while a task holds the resource, storing nothing', async () => {
    tasks.activeTaskIds.mockResolvedValueOnce(['01TASK']);
    await expect(service.change(call, ResourceType.Server, 'held:s1', { a: 'b' })).rejects.toMatchObject({
      status: 409,
      extensions: { reason: 'busy', activeTaskId: '01TASK' },
    });
    expect(labels.set).not.toHaveBeenCalled();
    expect(mutations.freshRead).not.toHaveBeenCalled();
  });

  it('should refuse an empty change once the resource is known to exist, and one that leaves more than 32 labels', async () => {
    await expect(service.change(call, ResourceType.Server, 'held:s1', {})).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'labels' }],
    });
    expect(mutations.requireExisting).toHaveBeenCalledTimes(1);
    mutations.requireExisting.mockRejectedValueOnce(new NotFoundError("No server 'held:s9'."));
    await expect(service.change(call, ResourceType.Server, 'held:s9', {})).rejects.toMatchObject({
      status: 404,
    });
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
    await expect(service.change(call, ResourceType.Server, 'held:s1', many)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('once merged'),
    });
    expect(labels.set).not.toHaveBeenCalled();
  });

  it('should make a relabel task of the whole merged set where the backend keeps the labels', async () => {
    const outcome = await service.change(call, ResourceType.Server, 'native:s1', { env: null, owner: 'ops' });
    expect(mutations.submit).toHaveBeenCalledWith(
      expect.objectContaining({ operation: 'server.relabel', resourceId: 'native:s1' }),
    );
    expect(outcome.submitted).toMatchObject({ task: { input: { labels: { team: 'web', owner: 'ops' } } } });
    expect(labels.set).not.toHaveBeenCalled();
    expect(cache.changed).not.toHaveBeenCalled();
  });
  describe('If-Match (docs/design.md#optimistic-concurrency)', () => {
    const held = new ResourceAccess(new ProviderRegistry([connection('held', {})])).resolve(
      call.caller,
      'held:s1',
    ).adapter;
    const tagNow = entityTag(presentResource(held, ResourceType.Server, current as never, null));

    it('should change labels when the tag is that of the resource as read now, and answer the new version', async () => {
      const outcome = await service.change({ ...call, ifMatch: tagNow }, ResourceType.Server, 'held:s1', {
        tier: 'db',
      });
      expect(labels.set).toHaveBeenCalledTimes(1);
      expect(entityTag(outcome.resource!)).not.toBe(tagNow);
    });

    it('should refuse a stale tag with 412, storing nothing', async () => {
      const stale = entityTag(
        presentResource(held, ResourceType.Server, { ...current, labels: {} } as never, null),
      );
      await expect(
        service.change({ ...call, ifMatch: stale }, ResourceType.Server, 'held:s1', { tier: 'db' }),
      ).rejects.toMatchObject({ status: 412, code: 'precondition_failed' });
      expect(labels.set).not.toHaveBeenCalled();
      expect(cache.changed).not.toHaveBeenCalled();
    });

    it('should check the deadline as any mutation does, though no task runs', async () => {
      await service.change({ ...call, deadlineSeconds: 60 }, ResourceType.Server, 'held:s1', { a: 'b' });
      expect(mutations.checkDeadline).toHaveBeenCalledWith(expect.anything(), 'server.relabel', 60);
    });
  });
});
