import type { SnapshotCache } from '../cache/snapshot-cache.service';
import { Caller } from '../common/auth/caller';
import { UnsupportedOperationError } from '../common/errors/gateway-error';
import { ProviderKind, ResourceType, ServerState } from '../domain/states';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import { inStates } from '../providers/ports/actions';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config';
import { entityTag } from '../common/http/etag';
import { presentResource } from './resource-presenter';
import type { ProviderAdapter } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import type { GatewayReads } from '../tasks/gateway-reads';
import type { TaskIntake } from '../tasks/task-intake.service';
import type { TaskStore } from '../tasks/task-store.service';
import { MutationService, type MutationCall } from './mutation.service';
import { ProviderOptionsValidator } from './provider-options.validator';
import { ResourceAccess } from './resource-access.service';

// The gateway-wide deadline settings (the config validator's defaults).
const config = { tasks: { defaultDeadlineSeconds: 1800, maxDeadlineSeconds: 86_400 } } as GatewayConfig;

const connectionOf = (adapter: ProviderAdapter) =>
  new Connection(adapter, { name: adapter.name, kind: adapter.kind } as ConnectionConfig);

describe('MutationService', () => {
  const backend = { list: jest.fn(), get: jest.fn() };
  // A bare-metal-like adapter: servers can be read and started, volumes only read.
  const adapter: ProviderAdapter = {
    name: 'bm',
    kind: ProviderKind.Dcimanager,
    servers: { ...backend },
    volumes: { ...backend },
    plans: { 'server.start': jest.fn() },
    unsupportedReasons: { 'volume.create': 'bare metal has no block volumes' },
    probe: jest.fn(),
  };
  const intake = { submit: jest.fn(), replay: jest.fn() };
  const cache = { item: jest.fn() };
  const tasks = { activeTaskIds: jest.fn() };
  // No Redis here: reads go to the adapter's readers as they are (the labels the gateway keeps are not looked at).
  const labels = {
    reader: (connection: Connection, type: ResourceType) => connection[PORT_OF_TYPE[type]],
  } as unknown as GatewayReads;
  const service = new MutationService(
    new ResourceAccess(new ProviderRegistry([connectionOf(adapter)])),
    intake as unknown as TaskIntake,
    cache as unknown as SnapshotCache,
    new ProviderOptionsValidator(),
    tasks as unknown as TaskStore,
    labels,
    config,
  );
  const call = (caller = new Caller('k', new Set(['read', 'write']), null)): MutationCall => ({
    caller,
    idempotencyKey: undefined,
    method: 'POST',
    path: '/v1/volumes',
    body: {},
    requestId: 'r1',
  });

  beforeEach(() => jest.clearAllMocks());

  it('should answer 501 naming the operation and the reason, before any backend call, when the adapter lacks it', async () => {
    const attempt = service.submit({
      call: call(),
      operation: 'volume.create',
      connection: 'bm',
      input: () => ({ name: 'v', sizeGb: 10, labels: {}, providerOptions: {} }),
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

  describe('actions on an existing resource, as allowedActions judges them', () => {
    // Start only from stopped, as the adapter's own rules say.
    const strict: ProviderAdapter = {
      ...adapter,
      name: 'st',
      actions: {
        rules: { 'server.start': inStates([ServerState.Stopped], 'start needs a stopped server') },
        unsupported: { 'server.stop': 'no orderly shutdown here' },
      },
    };
    const strictService = new MutationService(
      new ResourceAccess(new ProviderRegistry([connectionOf(strict)])),
      intake as unknown as TaskIntake,
      cache as unknown as SnapshotCache,
      new ProviderOptionsValidator(),
      tasks as unknown as TaskStore,
      labels,
      config,
    );
    const seen = (state: ServerState) => ({
      value: { id: 'st:1', nativeId: '1', provider: 'st', state },
      observedAt: 'now',
      status: 'ok',
    });

    it('should refuse a wrong state with 409 wrong_state, currentState and expectedStates, after a fresh read', async () => {
      cache.item.mockResolvedValue(seen(ServerState.Running));
      tasks.activeTaskIds.mockResolvedValue([null]);
      await expect(strictService.submitOn(call(), 'server.start', 'st:1', {})).rejects.toMatchObject({
        status: 409,
        extensions: { reason: 'wrong_state', currentState: 'running', expectedStates: ['stopped'] },
      });
      expect(cache.item.mock.calls.map((c: unknown[]) => c[4])).toEqual([false, true]);
      expect(intake.submit).not.toHaveBeenCalled();
    });

    it('should accept when the cached copy is stale but the backend says the state fits', async () => {
      cache.item
        .mockResolvedValueOnce(seen(ServerState.Running))
        .mockResolvedValueOnce(seen(ServerState.Stopped));
      tasks.activeTaskIds.mockResolvedValue([null]);
      intake.submit.mockResolvedValue({ task: { id: 't' }, replayed: false });
      await strictService.submitOn(call(), 'server.start', 'st:1', {});
      expect(intake.submit).toHaveBeenCalledTimes(1);
    });

    it('should answer busy (409, retryable, activeTaskId) before the state rules', async () => {
      cache.item.mockResolvedValue(seen(ServerState.Running));
      tasks.activeTaskIds.mockResolvedValue(['01RUNNING']);
      await expect(strictService.submitOn(call(), 'server.start', 'st:1', {})).rejects.toMatchObject({
        status: 409,
        retryable: true,
        extensions: { reason: 'busy', activeTaskId: '01RUNNING' },
      });
      expect(cache.item).toHaveBeenCalledTimes(1);
    });

    it('should answer 501 for an unsupported variant of a supported operation without reading', async () => {
      const strictWithStop = { ...strict, plans: { ...strict.plans, 'server.stop': jest.fn() } };
      const withStop = new MutationService(
        new ResourceAccess(new ProviderRegistry([connectionOf(strictWithStop)])),
        intake as unknown as TaskIntake,
        cache as unknown as SnapshotCache,
        new ProviderOptionsValidator(),
        tasks as unknown as TaskStore,
        labels,
        config,
      );
      await expect(withStop.submitOn(call(), 'server.stop', 'st:1', { force: false })).rejects.toMatchObject({
        status: 501,
        extensions: { reason: 'unsupported_operation', operation: 'server.stop' },
      });
      // Also under If-Match: what cannot be done at all is said before any read.
      await expect(
        withStop.submitOn({ ...call(), ifMatch: '*' }, 'server.stop', 'st:1', { force: false }),
      ).rejects.toMatchObject({ status: 501 });
      expect(cache.item).not.toHaveBeenCalled();
    });
  });
  describe('caller deadlines', () => {
    const tuned: ProviderAdapter = { ...adapter, name: 'tn', plans: { 'server.start': jest.fn() } };
    const tunedService = new MutationService(
      new ResourceAccess(
        new ProviderRegistry([
          new Connection(tuned, {
            name: 'tn',
            kind: tuned.kind,
            maxDeadlines: { 'server.start': 300 },
          } as unknown as ConnectionConfig),
        ]),
      ),
      intake as unknown as TaskIntake,
      cache as unknown as SnapshotCache,
      new ProviderOptionsValidator(),
      tasks as unknown as TaskStore,
      labels,
      config,
    );
    const asking = (deadlineSeconds: number | undefined): MutationCall => ({ ...call(), deadlineSeconds });

    it('should refuse a deadline above the ceiling with 400 naming the field, before any read', async () => {
      await expect(tunedService.submitOn(asking(301), 'server.start', 'tn:1', {})).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('300'),
        errors: [{ field: 'deadlineSeconds', message: expect.stringContaining('300') }],
      });
      expect(cache.item).not.toHaveBeenCalled();
      expect(intake.submit).not.toHaveBeenCalled();
    });

    it('should answer 501 before looking at the deadline', async () => {
      await expect(tunedService.submitOn(asking(0), 'volume.detach', 'tn:1', {})).rejects.toMatchObject({
        status: 501,
      });
    });

    it('should pass a deadline in range to the intake, with the state the request saw', async () => {
      cache.item.mockResolvedValue({ value: { id: 'tn:1', nativeId: '1', state: 'stopped' }, status: 'ok' });
      tasks.activeTaskIds.mockResolvedValue([null]);
      intake.submit.mockResolvedValue({ task: { id: 't' }, replayed: false });
      await tunedService.submitOn(asking(300), 'server.start', 'tn:1', {});
      expect(intake.submit).toHaveBeenCalledWith(
        expect.objectContaining({ deadlineSeconds: 300, fromState: 'stopped', actor: 'k' }),
      );
    });

    it('should make the deadline part of the Idempotency-Key fingerprint', async () => {
      intake.replay.mockResolvedValue(null);
      cache.item.mockResolvedValue({ value: { id: 'tn:1', nativeId: '1', state: 'stopped' }, status: 'ok' });
      tasks.activeTaskIds.mockResolvedValue([null]);
      intake.submit.mockResolvedValue({ task: { id: 't' }, replayed: false });
      for (const deadlineSeconds of [undefined, 60, 120])
        await tunedService.submitOn(
          { ...asking(deadlineSeconds), idempotencyKey: 'k1' },
          'server.start',
          'tn:1',
          {},
        );
      const prints = intake.replay.mock.calls.map((c: [string, { fingerprint: string }]) => c[1].fingerprint);
      expect(new Set(prints).size).toBe(3);
    });
  });

  describe('If-Match', () => {
    const connection = connectionOf(adapter);
    const stopped = { id: 'bm:1', nativeId: '1', provider: 'bm', state: ServerState.Stopped, labels: {} };
    const etagOf = (resource: typeof stopped, activeTaskId: string | null = null) =>
      entityTag(presentResource(connection, ResourceType.Server, resource as never, activeTaskId));
    const matching = (ifMatch: string): MutationCall => ({ ...call(), ifMatch });

    beforeEach(() => {
      cache.item.mockResolvedValue({ value: stopped, status: 'ok', observedAt: 'now' });
      tasks.activeTaskIds.mockResolvedValue([null]);
      intake.submit.mockResolvedValue({ task: { id: 't' }, replayed: false });
    });

    it('should go on when the tag is that of the resource as a GET presents it now, read past the cache', async () => {
      await service.submitOn(matching(etagOf(stopped)), 'server.start', 'bm:1', {});
      expect(cache.item.mock.calls.map((c: unknown[]) => c[4])).toEqual([true]);
      expect(intake.submit).toHaveBeenCalledWith(expect.objectContaining({ fromState: 'stopped' }));
    });

    it('should answer 412 precondition_failed and make no task when the resource changed', async () => {
      const before = etagOf({ ...stopped, state: ServerState.Running });
      await expect(service.submitOn(matching(before), 'server.start', 'bm:1', {})).rejects.toMatchObject({
        status: 412,
        code: 'precondition_failed',
      });
      expect(intake.submit).not.toHaveBeenCalled();
    });

    it('should count a task holding the resource as a change (the GET showed activeTaskId)', async () => {
      tasks.activeTaskIds.mockResolvedValue(['01RUNNING']);
      await expect(
        service.submitOn(matching(etagOf(stopped)), 'server.start', 'bm:1', {}),
      ).rejects.toMatchObject({ status: 412 });
    });

    it('should take * for any existing resource, and answer 404 for a gone one', async () => {
      await service.submitOn(matching('*'), 'server.start', 'bm:1', {});
      expect(intake.submit).toHaveBeenCalledTimes(1);
      cache.item.mockResolvedValue({ value: null, status: 'ok' });
      await expect(service.submitOn(matching('*'), 'server.start', 'bm:1', {})).rejects.toMatchObject({
        status: 404,
      });
    });

    it('should never match a weak tag', async () => {
      await expect(
        service.submitOn(matching(`W/${etagOf(stopped)}`), 'server.start', 'bm:1', {}),
      ).rejects.toMatchObject({ status: 412 });
    });

    it('should ignore If-Match on a create', async () => {
      const creating = new MutationService(
        new ResourceAccess(
          new ProviderRegistry([
            connectionOf({ ...adapter, name: 'mk', plans: { 'volume.create': jest.fn() } }),
          ]),
        ),
        intake as unknown as TaskIntake,
        cache as unknown as SnapshotCache,
        new ProviderOptionsValidator(),
        tasks as unknown as TaskStore,
        labels,
        config,
      );
      await creating.submit({
        call: matching('"nothing"'),
        operation: 'volume.create',
        connection: 'mk',
        input: () => ({ name: 'v', sizeGb: 1, labels: {}, providerOptions: {} }),
      });
      expect(cache.item).not.toHaveBeenCalled();
      expect(intake.submit).toHaveBeenCalledWith(expect.objectContaining({ fromState: null }));
    });
  });
});
