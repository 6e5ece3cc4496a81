import { randomBytes } from 'node:crypto';
import {
  asBody,
  existingIds,
  optionalIdArray,
  optionalString,
  requiredInteger,
  requiredString,
} from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { inUse, invalid, notFound } from './imco-sim.errors';
import type { ServerRecord, VolumeRecord } from './imco-sim.model';
import { renderServer, renderStoragePlan, renderVolume } from './imco-sim.render';
import { DURATIONS, type ImcoSimState } from './imco-sim.state';

// `/storage/volumes` and storage plans (docs/providers/imco.md#volumes-and-storage-plans). No source names the
// volume states; ours: commissioning → detached, attaching → attached, detaching → detached, decommissioning →
// gone, error.

const ATTACHABLE_SERVER_STATES = ['inactive', 'operational'];

/** The server an attach names, which must share the account and realm of the volume or floating IP. */
export function attachTarget(
  state: ImcoSimState,
  raw: unknown,
  resource: { cloudAccountId: string; realmId: string },
): ServerRecord {
  const serverId = requiredString(asBody(raw), 'attached_server_id');
  const server = state.servers.get(serverId);
  if (!server) throw invalid('attached_server_id', 'is invalid');
  if (!ATTACHABLE_SERVER_STATES.includes(server.state))
    throw invalid('attached_server_id', `belongs to a server that is ${server.state}`);
  if (server.cloudAccountId !== resource.cloudAccountId || state.realmOfServer(server) !== resource.realmId)
    throw invalid('attached_server_id', 'is not in the same cloud account and realm');
  return server;
}

function nextDevice(state: ImcoSimState, serverId: string): string {
  const used = new Set(
    [...state.volumes.values()].filter((v) => v.attachedServerId === serverId).map((v) => v.device),
  );
  for (const letter of 'fghijklmnop') if (!used.has(`/dev/xvd${letter}`)) return `/dev/xvd${letter}`;
  return '/dev/xvdz';
}

export function registerStorageRoutes(ctx: RouteContext): void {
  const { app, state, version } = ctx;
  const volume = (id: string) => state.require(state.volumes, 'Volume', id);
  const show = (record: VolumeRecord) => renderVolume(version, record);
  const refuseUnless = (record: VolumeRecord, event: string, allowed: string[]) => {
    if (!allowed.includes(record.state)) throw state.refuse('a volume', event, record.state, allowed);
  };

  app.get<{ Querystring: { server_id?: string } }>('/storage/volumes', async (request) => {
    const serverId = request.query.server_id;
    return [...state.volumes.values()].filter((v) => !serverId || v.attachedServerId === serverId).map(show);
  });
  app.get<IdParams>('/storage/volumes/:id', async (request) => show(volume(request.params.id)));

  app.post('/storage/volumes', async (request, reply) => {
    const body = asBody(request.body);
    const name = requiredString(body, 'name');
    const size = requiredInteger(body, 'size');
    const accountId = requiredString(body, 'cloud_account_id');
    const planId = requiredString(body, 'storage_plan_id');
    const account = state.catalog.cloudAccounts.find((a) => a.id === accountId);
    if (!account) throw invalid('cloud_account_id', 'is invalid');
    const plan = state.catalog.storagePlans.find((p) => p.id === planId);
    if (!plan) throw invalid('storage_plan_id', 'is invalid');
    if (plan.deprecated) throw invalid('storage_plan_id', 'is deprecated');
    if (state.providerOfRealm(plan.realmId) !== account.cloudProviderId)
      throw invalid('storage_plan_id', "does not belong to the cloud account's provider");
    if (size < plan.minSize || size > plan.maxSize)
      throw invalid('size', `must be between ${plan.minSize} and ${plan.maxSize}`);
    const labelIds = existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [];
    const record: VolumeRecord = {
      id: state.newId(),
      name,
      size,
      state: 'commissioning',
      device: null,
      storagePlanId: plan.id,
      cloudAccountId: accountId,
      realmId: plan.realmId,
      attachedServerId: null,
      remoteId: null,
      brownfield: false,
      labelIds,
    };
    state.volumes.set(record.id, record);
    state.settle(state.volumes, record, 'commissioning', DURATIONS.volume, () => {
      if (state.takeFailure('volumes.create')) {
        record.state = 'error';
        state.event(
          'error',
          `Volume ${record.name} failed`,
          'The provider refused the volume (simulated failure).',
        );
        return;
      }
      record.remoteId = `vol-${randomBytes(6).toString('hex')}`;
      record.state = 'detached';
    });
    return created(ctx, reply, show(record));
  });

  app.put<IdParams>('/storage/volumes/:id', async (request) => {
    const record = volume(request.params.id);
    const name = optionalString(asBody(request.body), 'name');
    if (name !== undefined) record.name = name;
    return show(record);
  });

  // The attach answer is the server the volume was attached to (the CLI decodes a Server).
  app.post<IdParams>('/storage/volumes/:id/attached_server', async (request) => {
    const record = volume(request.params.id);
    refuseUnless(record, 'attach', ['detached']);
    const server = attachTarget(state, request.body, record);
    record.state = 'attaching';
    record.attachedServerId = server.id;
    state.settle(state.volumes, record, 'attaching', DURATIONS.volume, () => {
      if (state.takeFailure('volumes.attach') || !state.servers.has(server.id)) {
        record.state = 'detached';
        record.attachedServerId = null;
        state.event(
          'error',
          `Volume ${record.name} not attached`,
          'Attaching failed (simulated failure).',
          server.id,
        );
        return;
      }
      record.device = nextDevice(state, server.id);
      record.state = 'attached';
    });
    return renderServer(version, server);
  });

  app.delete<IdParams>('/storage/volumes/:id/attached_server', async (request, reply) => {
    const record = volume(request.params.id);
    refuseUnless(record, 'detach', ['attached']);
    record.state = 'detaching';
    state.settle(state.volumes, record, 'detaching', DURATIONS.volume, () => {
      record.attachedServerId = null;
      record.device = null;
      record.state = 'detached';
    });
    return noContent(reply);
  });

  app.delete<IdParams>('/storage/volumes/:id', async (request, reply) => {
    const record = volume(request.params.id);
    if (record.attachedServerId) throw inUse('The volume is attached to a server; detach it first');
    refuseUnless(record, 'decommission', ['detached', 'error']);
    record.state = 'decommissioning';
    state.settle(state.volumes, record, 'decommissioning', DURATIONS.volume, () =>
      state.volumes.delete(record.id),
    );
    return noContent(reply);
  });

  // Forget the volume in IMCO; the provider's volume stays. Immediate.
  app.delete<IdParams>('/storage/volumes/:id/discard', async (request, reply) => {
    const record = volume(request.params.id);
    if (record.attachedServerId) throw inUse('The volume is attached to a server; detach it first');
    refuseUnless(record, 'discard', ['detached', 'error']);
    state.volumes.delete(record.id);
    return noContent(reply);
  });

  app.get<IdParams>('/cloud/cloud_providers/:id/storage_plans', async (request) => {
    if (!state.catalog.cloudProviders.some((p) => p.id === request.params.id))
      throw notFound('CloudProvider', request.params.id);
    return state.catalog.storagePlans
      .filter((plan) => state.providerOfRealm(plan.realmId) === request.params.id)
      .map((plan) => renderStoragePlan(state, plan));
  });
  app.get<IdParams>('/storage/plans/:id', async (request) => {
    const plan = state.catalog.storagePlans.find((p) => p.id === request.params.id);
    if (!plan) throw notFound('StoragePlan', request.params.id);
    return renderStoragePlan(state, plan);
  });
}
