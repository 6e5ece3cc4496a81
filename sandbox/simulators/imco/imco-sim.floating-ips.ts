import { randomBytes } from 'node:crypto';
import { FLOATING_POOL } from './imco-sim.addresses';
import { asBody, existingIds, optionalIdArray, optionalString, requiredString } from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { inUse, invalid } from './imco-sim.errors';
import type { FloatingIpRecord } from './imco-sim.model';
import { renderFloatingIp, renderServer } from './imco-sim.render';
import { DURATIONS } from './imco-sim.state';
import { attachTarget } from './imco-sim.storage';

// `/network/floating_ips` (docs/providers/imco.md#floating-ips). No source names the states; ours mirror volumes:
// commissioning → detached, attaching → attached, detaching → detached, decommissioning → gone, error. The
// address is known at once.

export function registerFloatingIpRoutes(ctx: RouteContext): void {
  const { app, state, version } = ctx;
  const floatingIp = (id: string) => state.require(state.floatingIps, 'FloatingIp', id);
  const show = (record: FloatingIpRecord) => renderFloatingIp(version, record);
  const refuseUnless = (record: FloatingIpRecord, event: string, allowed: string[]) => {
    if (!allowed.includes(record.state)) throw state.refuse('a floating IP', event, record.state, allowed);
  };

  app.get<{ Querystring: { server_id?: string } }>('/network/floating_ips', async (request) => {
    const serverId = request.query.server_id;
    return [...state.floatingIps.values()]
      .filter((ip) => !serverId || ip.attachedServerId === serverId)
      .map(show);
  });
  app.get<IdParams>('/network/floating_ips/:id', async (request) => show(floatingIp(request.params.id)));

  app.post('/network/floating_ips', async (request, reply) => {
    const body = asBody(request.body);
    const name = requiredString(body, 'name');
    const accountId = requiredString(body, 'cloud_account_id');
    const realmId = requiredString(body, 'realm_id');
    const account = state.catalog.cloudAccounts.find((a) => a.id === accountId);
    if (!account) throw invalid('cloud_account_id', 'is invalid');
    if (state.providerOfRealm(realmId) !== account.cloudProviderId) throw invalid('realm_id', 'is invalid');
    const labelIds = existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [];
    const used = [...state.floatingIps.values()].map((ip) => ip.address);
    const record: FloatingIpRecord = {
      id: state.newId(),
      name,
      address: state.allocate(FLOATING_POOL, used, 'floating'),
      state: 'commissioning',
      cloudAccountId: accountId,
      realmId,
      attachedServerId: null,
      remoteId: null,
      brownfield: false,
      labelIds,
    };
    state.floatingIps.set(record.id, record);
    state.settle(state.floatingIps, record, 'commissioning', DURATIONS.floatingIp, () => {
      if (state.takeFailure('floating_ips.create')) {
        record.state = 'error';
        return;
      }
      record.remoteId = `eipalloc-${randomBytes(4).toString('hex')}`;
      record.state = 'detached';
    });
    return created(ctx, reply, show(record));
  });

  app.put<IdParams>('/network/floating_ips/:id', async (request) => {
    const record = floatingIp(request.params.id);
    const name = optionalString(asBody(request.body), 'name');
    if (name !== undefined) record.name = name;
    return show(record);
  });

  app.post<IdParams>('/network/floating_ips/:id/attached_server', async (request) => {
    const record = floatingIp(request.params.id);
    refuseUnless(record, 'attach', ['detached']);
    const server = attachTarget(state, request.body, record);
    record.state = 'attaching';
    record.attachedServerId = server.id;
    state.settle(state.floatingIps, record, 'attaching', DURATIONS.floatingIp, () => {
      const failed = state.takeFailure('floating_ips.attach') || !state.servers.has(server.id);
      record.state = failed ? 'detached' : 'attached';
      if (failed) record.attachedServerId = null;
    });
    return renderServer(version, server);
  });

  app.delete<IdParams>('/network/floating_ips/:id/attached_server', async (request, reply) => {
    const record = floatingIp(request.params.id);
    refuseUnless(record, 'detach', ['attached']);
    record.state = 'detaching';
    state.settle(state.floatingIps, record, 'detaching', DURATIONS.floatingIp, () => {
      record.attachedServerId = null;
      record.state = 'detached';
    });
    return noContent(reply);
  });

  app.delete<IdParams>('/network/floating_ips/:id', async (request, reply) => {
    const record = floatingIp(request.params.id);
    if (record.attachedServerId) throw inUse('The floating IP is attached to a server; detach it first');
    refuseUnless(record, 'release', ['detached', 'error']);
    record.state = 'decommissioning';
    state.settle(state.floatingIps, record, 'decommissioning', DURATIONS.floatingIp, () =>
      state.floatingIps.delete(record.id),
    );
    return noContent(reply);
  });

  app.delete<IdParams>('/network/floating_ips/:id/discard', async (request, reply) => {
    const record = floatingIp(request.params.id);
    if (record.attachedServerId) throw inUse('The floating IP is attached to a server; detach it first');
    refuseUnless(record, 'discard', ['detached', 'error']);
    state.floatingIps.delete(record.id);
    return noContent(reply);
  });
}
