import { cidrContains, cidrOverlaps, formatCidr } from '../common/ipv4';
import { parseCidr } from './imco-sim.addresses';
import { asBody, existingIds, optionalIdArray, optionalString, requiredString } from './imco-sim.body';
import { type IdParams, type RouteContext, created, noContent } from './imco-sim.context';
import { inUse, invalid } from './imco-sim.errors';
import type { SubnetRecord, SubnetType, VpcRecord } from './imco-sim.model';
import { renderServer, renderSubnet, renderVpc } from './imco-sim.render';
import { DURATIONS, type ImcoSimState } from './imco-sim.state';

// `/network/vpcs` and `/network/subnets` (docs/providers/imco.md#networks-vpcs-and-subnets). No source names the
// states; ours: commissioning → active, decommissioning → gone, error. Deleting a VPC takes its subnets with it,
// unless a server still uses one.

const SUBNET_TYPES: SubnetType[] = ['only_public', 'only_private', 'public_and_private'];

function usedBy(state: ImcoSimState, vpcId: string): boolean {
  return [...state.servers.values()].some((server) => server.vpcId === vpcId);
}

function dropVpc(state: ImcoSimState, vpc: VpcRecord): void {
  state.vpcs.delete(vpc.id);
  for (const subnet of [...state.subnets.values()])
    if (subnet.vpcId === vpc.id) state.subnets.delete(subnet.id);
}

export function registerVpcRoutes(ctx: RouteContext): void {
  const { app, state, version } = ctx;
  const vpc = (id: string) => state.require(state.vpcs, 'Vpc', id);
  const subnet = (id: string) => state.require(state.subnets, 'Subnet', id);

  app.get('/network/vpcs', async () => [...state.vpcs.values()].map(renderVpc));
  app.get<IdParams>('/network/vpcs/:id', async (request) => renderVpc(vpc(request.params.id)));

  app.post('/network/vpcs', async (request, reply) => {
    const body = asBody(request.body);
    const name = requiredString(body, 'name');
    const cidr = parseCidr(requiredString(body, 'cidr'));
    if (!cidr || cidr.prefix > 28) throw invalid('cidr', 'is not a valid IPv4 network between /8 and /28');
    const accountId = requiredString(body, 'cloud_account_id');
    const account = state.catalog.cloudAccounts.find((a) => a.id === accountId);
    if (!account) throw invalid('cloud_account_id', 'is invalid');
    // A provider region name (e.g. `eastus`), not a realm id.
    const region = requiredString(body, 'realm_provider_name');
    if (
      !state.catalog.realms.some(
        (r) => r.providerName === region && r.cloudProviderId === account.cloudProviderId,
      )
    )
      throw invalid('realm_provider_name', "is not a region of the cloud account's provider");
    const labelIds = existingIds('label_ids', optionalIdArray(body, 'label_ids'), state.labels) ?? [];
    const record: VpcRecord = {
      id: state.newId(),
      name,
      cidr: formatCidr(cidr),
      state: 'commissioning',
      cloudAccountId: accountId,
      realmProviderName: region,
      hasVpn: false,
      brownfield: false,
      labelIds,
    };
    state.vpcs.set(record.id, record);
    state.settle(state.vpcs, record, 'commissioning', DURATIONS.vpc, () => {
      record.state = state.takeFailure('vpcs.create') ? 'error' : 'active';
    });
    return created(ctx, reply, renderVpc(record));
  });

  app.put<IdParams>('/network/vpcs/:id', async (request) => {
    const record = vpc(request.params.id);
    const name = optionalString(asBody(request.body), 'name');
    if (name !== undefined) record.name = name;
    return renderVpc(record);
  });

  app.delete<IdParams>('/network/vpcs/:id', async (request, reply) => {
    const record = vpc(request.params.id);
    if (usedBy(state, record.id)) throw inUse('The VPC still has servers in its subnets');
    if (!['active', 'error'].includes(record.state))
      throw state.refuse('a VPC', 'decommission', record.state, ['active', 'error']);
    record.state = 'decommissioning';
    for (const item of state.subnets.values()) if (item.vpcId === record.id) item.state = 'decommissioning';
    state.settle(state.vpcs, record, 'decommissioning', DURATIONS.vpc, () => dropVpc(state, record));
    return noContent(reply);
  });

  app.delete<IdParams>('/network/vpcs/:id/discard', async (request, reply) => {
    const record = vpc(request.params.id);
    if (usedBy(state, record.id)) throw inUse('The VPC still has servers in its subnets');
    dropVpc(state, record);
    return noContent(reply);
  });

  app.get<IdParams>('/network/vpcs/:id/subnets', async (request) => {
    vpc(request.params.id);
    return [...state.subnets.values()].filter((s) => s.vpcId === request.params.id).map(renderSubnet);
  });

  app.post<IdParams>('/network/vpcs/:id/subnets', async (request, reply) => {
    const parent = vpc(request.params.id);
    if (parent.state !== 'active') throw state.refuse('a VPC', 'add a subnet to', parent.state, ['active']);
    const body = asBody(request.body);
    const name = requiredString(body, 'name');
    const cidr = parseCidr(requiredString(body, 'cidr'));
    if (!cidr || !cidrContains(parseCidr(parent.cidr)!, cidr))
      throw invalid('cidr', `must lie within ${parent.cidr}`);
    const siblings = [...state.subnets.values()].filter((s) => s.vpcId === parent.id);
    if (siblings.some((s) => cidrOverlaps(parseCidr(s.cidr)!, cidr)))
      throw invalid('cidr', 'overlaps another subnet of the VPC');
    const type = requiredString(body, 'type') as SubnetType;
    if (!SUBNET_TYPES.includes(type)) throw invalid('type', 'is not included in the list');
    // The CLI also sends an always empty `cloud_account_id`: ignored.
    const record: SubnetRecord = {
      id: state.newId(),
      name,
      cidr: formatCidr(cidr),
      state: 'commissioning',
      type,
      vpcId: parent.id,
      serverCreationDisabled: false,
      brownfield: false,
    };
    state.subnets.set(record.id, record);
    state.settle(state.subnets, record, 'commissioning', DURATIONS.subnet, () => (record.state = 'active'));
    return created(ctx, reply, renderSubnet(record));
  });

  app.get<IdParams>('/network/subnets/:id', async (request) => renderSubnet(subnet(request.params.id)));
  app.put<IdParams>('/network/subnets/:id', async (request) => {
    const record = subnet(request.params.id);
    const name = optionalString(asBody(request.body), 'name');
    if (name !== undefined) record.name = name;
    return renderSubnet(record);
  });
  app.delete<IdParams>('/network/subnets/:id', async (request, reply) => {
    const record = subnet(request.params.id);
    if ([...state.servers.values()].some((s) => s.subnetId === record.id))
      throw inUse('The subnet still has servers');
    if (record.state !== 'active') throw state.refuse('a subnet', 'decommission', record.state, ['active']);
    record.state = 'decommissioning';
    state.settle(state.subnets, record, 'decommissioning', DURATIONS.subnet, () =>
      state.subnets.delete(record.id),
    );
    return noContent(reply);
  });
  app.get<IdParams>('/network/subnets/:id/servers', async (request) => {
    subnet(request.params.id);
    return [...state.servers.values()]
      .filter((server) => server.subnetId === request.params.id)
      .map((server) => renderServer(version, server));
  });
  app.get<IdParams>('/network/subnets/:id/server_arrays', async (request) => {
    subnet(request.params.id);
    return [];
  });
}
