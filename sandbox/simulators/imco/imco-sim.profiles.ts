import { asBody, existingIds, optionalIdArray, optionalString, requiredString } from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { ImcoSimError, inUse, invalid, notFound } from './imco-sim.errors';
import type { FirewallRule, LabelRecord } from './imco-sim.model';
import { renderFirewallProfile, renderLabel, renderSshProfile } from './imco-sim.render';
import type { ImcoSimState } from './imco-sim.state';

// SSH profiles (§3.6), firewall profiles (§3.7) and labels (§3.9).

/** What IMCO's CLI accepts as a label name: letters, digits, spaces, `.`, `_`, `-`. */
const LABEL_NAME = /^[A-Za-z0-9 ._-]+$/;
const MAX_LABEL_NAME = 1_024;

const KEY_PATTERN = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/;

function publicKey(value: string | undefined): string | undefined {
  if (value !== undefined && !KEY_PATTERN.test(value.trim()))
    throw invalid('public_key', 'is not a valid public key');
  return value?.trim();
}

const text = (value: unknown, fallback: string) =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;

function rules(raw: unknown): FirewallRule[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw invalid('rules', 'must be an array');
  return raw.map((item: Record<string, unknown>) => {
    // The docs name the protocol `protocol`, IMCO's CLI `ip_protocol`: both are read
    // (docs/providers/imco.md#ssh-and-firewall-profiles).
    const protocol = text(item?.protocol ?? item?.ip_protocol, '').toUpperCase();
    if (protocol !== 'TCP' && protocol !== 'UDP') throw invalid('rules', 'protocol must be TCP or UDP');
    const minPort = Number(item.min_port);
    const maxPort = Number(item.max_port ?? item.min_port);
    if (
      !Number.isInteger(minPort) ||
      !Number.isInteger(maxPort) ||
      minPort < 1 ||
      maxPort > 65535 ||
      minPort > maxPort
    )
      throw invalid('rules', 'ports must be 1-65535 with min_port <= max_port');
    return { name: text(item.name, ''), protocol, minPort, maxPort, source: text(item.source, '0.0.0.0/0') };
  });
}

/** Resource types a label can tag, with the collection holding them. */
function taggable(state: ImcoSimState): Record<string, Map<string, { labelIds: string[] }>> {
  return {
    server: state.servers,
    volume: state.volumes,
    vpc: state.vpcs,
    floating_ip: state.floatingIps,
    ssh_profile: state.sshProfiles,
    firewall_profile: state.firewallProfiles,
    template: state.templates,
  };
}

export function registerProfileRoutes(ctx: RouteContext): void {
  const { app, state } = ctx;
  const ssh = (id: string) => state.require(state.sshProfiles, 'SshProfile', id);
  const firewall = (id: string) => state.require(state.firewallProfiles, 'FirewallProfile', id);
  const label = (id: string) => state.require(state.labels, 'Label', id);

  app.get('/cloud/ssh_profiles', async () => [...state.sshProfiles.values()].map(renderSshProfile));
  app.get<IdParams>('/cloud/ssh_profiles/:id', async (request) => renderSshProfile(ssh(request.params.id)));
  app.post('/cloud/ssh_profiles', async (request, reply) => {
    const body = asBody(request.body);
    // The docs: only `name` is required; a private key, if sent, is not kept
    // (docs/providers/imco.md#ssh-and-firewall-profiles).
    const record = {
      id: state.newId(),
      name: requiredString(body, 'name'),
      publicKey: publicKey(optionalString(body, 'public_key')) ?? '',
      labelIds: existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [],
    };
    state.sshProfiles.set(record.id, record);
    return created(ctx, reply, renderSshProfile(record));
  });
  app.put<IdParams>('/cloud/ssh_profiles/:id', async (request) => {
    const record = ssh(request.params.id);
    const body = asBody(request.body);
    record.name = optionalString(body, 'name') ?? record.name;
    record.publicKey = publicKey(optionalString(body, 'public_key')) ?? record.publicKey;
    return renderSshProfile(record);
  });
  app.delete<IdParams>('/cloud/ssh_profiles/:id', async (request, reply) => {
    const record = ssh(request.params.id);
    if ([...state.servers.values()].some((s) => s.sshProfileIds.includes(record.id)))
      throw inUse('The SSH profile is used by a server');
    state.sshProfiles.delete(record.id);
    return noContent(reply);
  });

  app.get('/network/firewall_profiles', async () =>
    [...state.firewallProfiles.values()].map(renderFirewallProfile),
  );
  app.get<IdParams>('/network/firewall_profiles/:id', async (request) =>
    renderFirewallProfile(firewall(request.params.id)),
  );
  app.post('/network/firewall_profiles', async (request, reply) => {
    const body = asBody(request.body);
    const record = {
      id: state.newId(),
      name: requiredString(body, 'name'),
      description: optionalString(body, 'description') ?? '',
      isDefault: false,
      rules: rules(body.rules) ?? [],
      labelIds: existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [],
    };
    state.firewallProfiles.set(record.id, record);
    return created(ctx, reply, renderFirewallProfile(record));
  });
  app.put<IdParams>('/network/firewall_profiles/:id', async (request) => {
    const record = firewall(request.params.id);
    const body = asBody(request.body);
    record.name = optionalString(body, 'name') ?? record.name;
    record.description = optionalString(body, 'description') ?? record.description;
    record.rules = rules(body.rules) ?? record.rules;
    return renderFirewallProfile(record);
  });
  app.delete<IdParams>('/network/firewall_profiles/:id', async (request, reply) => {
    const record = firewall(request.params.id);
    if (record.isDefault) throw inUse("The account's default firewall profile cannot be deleted");
    if ([...state.servers.values()].some((s) => s.firewallProfileId === record.id))
      throw inUse('The firewall profile is used by a server');
    state.firewallProfiles.delete(record.id);
    return noContent(reply);
  });

  app.get('/labels', async () => [...state.labels.values()].map(renderLabel));
  app.post('/labels', async (request, reply) => {
    const name = requiredString(asBody(request.body), 'name');
    // The characters IMCO's CLI allows in a label name, at most 1,024 of them (docs/providers/imco.md#labels).
    if (!LABEL_NAME.test(name) || name.length > MAX_LABEL_NAME) throw invalid('name', 'is invalid');
    // Unique among the user's labels; IMCO's own (namespaced) labels are apart.
    if ([...state.labels.values()].some((l) => l.name === name && !l.namespace))
      throw invalid('name', 'has already been taken');
    const record: LabelRecord = { id: state.newId(), name, namespace: null, value: null };
    state.labels.set(record.id, record);
    return created(ctx, reply, renderLabel(record));
  });
  app.post<IdParams>('/labels/:id/resources', async (request) => {
    const record = label(request.params.id);
    const resources = asBody(request.body).resources;
    if (!Array.isArray(resources) || resources.length === 0) throw invalid('resources', "can't be blank");
    const targets = resources.map((item: { id?: unknown; resource_type?: unknown }) => {
      const collection = taggable(state)[String(item?.resource_type)];
      const target = collection?.get(String(item?.id));
      if (!target)
        throw invalid('resources', `${String(item?.resource_type)} ${String(item?.id)} is invalid`);
      return { target, id: String(item.id), type: String(item.resource_type) };
    });
    for (const { target } of targets)
      if (!target.labelIds.includes(record.id)) target.labelIds.push(record.id);
    return targets.map(({ id, type }) => ({ id, resource_type: type }));
  });
  app.delete<{ Params: { id: string; type: string; resourceId: string } }>(
    '/labels/:id/resources/:type/:resourceId',
    async (request, reply) => {
      const record = label(request.params.id);
      const collection = taggable(state)[request.params.type];
      if (!collection) throw new ImcoSimError(404, `Unknown resource type ${request.params.type}`);
      const target = collection.get(request.params.resourceId);
      if (!target) throw notFound(request.params.type, request.params.resourceId);
      target.labelIds = target.labelIds.filter((id) => id !== record.id);
      return noContent(reply);
    },
  );
}
