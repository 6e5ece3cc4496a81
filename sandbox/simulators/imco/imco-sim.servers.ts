import {
  asBody,
  existingIds,
  optionalBoolean,
  optionalIdArray,
  optionalString,
  requiredString,
} from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { invalid, notFound } from './imco-sim.errors';
import type { ServerRecord } from './imco-sim.model';
import { renderEvent, renderFloatingIp, renderServer, renderVolume } from './imco-sim.render';
import { boot, commission, decommission, override, reboot, shutdown } from './imco-sim.server-lifecycle';
import type { ImcoSimState } from './imco-sim.state';

// `/cloud/servers` (docs/providers/imco.md#servers).

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'server'
  );
}

/** Validates a commission body as IMCO's CLI sends it (docs/providers/imco.md#servers) and builds the record. */
export function newServer(state: ImcoSimState, version: RouteContext['version'], raw: unknown): ServerRecord {
  const body = asBody(raw);
  const name = requiredString(body, 'name');
  const templateId = requiredString(body, 'template_id');
  const planId = requiredString(body, 'server_plan_id');
  const accountId = requiredString(body, 'cloud_account_id');
  const template = state.templates.get(templateId);
  if (!template) throw invalid('template_id', 'is invalid');
  // Only a compiled template can be built from; anything else is invalid input (422), as other bad ids are.
  if (template.state !== 'ready') throw invalid('template_id', `is not ready (${template.state})`);
  const plan = state.catalog.serverPlans.find((p) => p.id === planId);
  if (!plan) throw invalid('server_plan_id', 'is invalid');
  const account = state.catalog.cloudAccounts.find((a) => a.id === accountId);
  if (!account) throw invalid('cloud_account_id', 'is invalid');
  const realm = state.catalog.realms.find((r) => r.id === plan.realmId)!;
  if (realm.cloudProviderId !== account.cloudProviderId)
    throw invalid('server_plan_id', "does not belong to the cloud account's provider");

  // Like server arrays, a server without a firewall profile gets the account's default one.
  const firewallId =
    optionalString(body, 'firewall_profile_id') ??
    [...state.firewallProfiles.values()].find((profile) => profile.isDefault)!.id;
  if (!state.firewallProfiles.has(firewallId)) throw invalid('firewall_profile_id', 'is invalid');
  // v2 knows only `ssh_profile_id`; v3 takes `ssh_profile_ids` too (the single id is its first entry).
  const many = version === 'v3' ? optionalIdArray(body, 'ssh_profile_ids') : undefined;
  const one = optionalString(body, 'ssh_profile_id');
  const sshIds = many ?? (one ? [one] : []);
  existingIds(many ? 'ssh_profile_ids' : 'ssh_profile_id', sshIds, state.sshProfiles);
  const labelIds = existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [];

  let vpcId: string | null = null;
  const subnetId = optionalString(body, 'subnet_id') ?? null;
  if (subnetId) {
    const subnet = state.subnets.get(subnetId);
    if (!subnet) throw invalid('subnet_id', 'is invalid');
    const vpc = state.vpcs.get(subnet.vpcId)!;
    if (subnet.state !== 'active' || subnet.serverCreationDisabled)
      throw invalid('subnet_id', 'does not accept new servers');
    if (vpc.cloudAccountId !== accountId || vpc.realmProviderName !== realm.providerName)
      throw invalid('subnet_id', "is not in the server's cloud account and region");
    vpcId = vpc.id;
  }
  const id = state.newId();
  return {
    id,
    name,
    state: 'commissioning',
    fqdn: `${slug(name)}.${id.slice(0, 8)}.imco.sim`,
    publicIp: null,
    privateIp: null,
    templateId,
    serverPlanId: planId,
    cloudAccountId: accountId,
    sshProfileIds: sshIds,
    firewallProfileId: firewallId,
    subnetId,
    vpcId,
    privateness: optionalBoolean(body, 'privateness') ?? false,
    labelIds,
    brownfieldState: 'Pure',
  };
}

export function registerServerRoutes(ctx: RouteContext): void {
  const { app, state, version } = ctx;
  const server = (id: string) => state.require(state.servers, 'Server', id);
  const show = (record: ServerRecord) => renderServer(version, record);

  app.get('/cloud/servers', async () => [...state.servers.values()].map(show));
  app.get<IdParams>('/cloud/servers/:id', async (request) => show(server(request.params.id)));

  app.post('/cloud/servers', async (request, reply) => {
    const record = newServer(state, version, request.body);
    commission(state, record);
    return created(ctx, reply, show(record));
  });

  app.put<IdParams>('/cloud/servers/:id', async (request) => {
    const record = server(request.params.id);
    const name = optionalString(asBody(request.body), 'name');
    if (record.state === 'decommissioning')
      throw state.refuse('a server', 'update', record.state, ['any other']);
    if (name !== undefined) record.name = name;
    return show(record);
  });

  // Actions answer 200 with the server in its new (transitional) state; any body is accepted and ignored.
  const actions = { boot, reboot, shutdown, override } as const;
  for (const [action, run] of Object.entries(actions)) {
    app.put<IdParams>(`/cloud/servers/:id/${action}`, async (request) => {
      const record = server(request.params.id);
      asBody(request.body);
      run(state, record);
      return show(record);
    });
  }

  app.delete<IdParams>('/cloud/servers/:id', async (request, reply) => {
    const record = server(request.params.id);
    decommission(state, record);
    return state.config.serverDeleteBody === 'empty' ? noContent(reply) : show(record);
  });

  app.get<IdParams>('/cloud/servers/:id/volumes', async (request) => {
    server(request.params.id);
    return [...state.volumes.values()]
      .filter((v) => v.attachedServerId === request.params.id)
      .map((v) => renderVolume(version, v));
  });
  app.get<IdParams>('/cloud/servers/:id/floating_ips', async (request) => {
    server(request.params.id);
    return [...state.floatingIps.values()]
      .filter((ip) => ip.attachedServerId === request.params.id)
      .map((ip) => renderFloatingIp(version, ip));
  });
  app.get<IdParams>('/cloud/servers/:id/events', async (request) => {
    server(request.params.id);
    return state.events.filter((e) => e.serverId === request.params.id).map(renderEvent);
  });
  app.get<IdParams>('/cloud/servers/:id/operational_scripts', async (request) => {
    server(request.params.id);
    return [];
  });

  // Server arrays are not modelled: the account has none, so the list is empty and any id is unknown.
  app.get('/cloud/server_arrays', async () => []);
  app.get<IdParams>('/cloud/server_arrays/:id', async (request) => {
    throw notFound('ServerArray', request.params.id);
  });
}
