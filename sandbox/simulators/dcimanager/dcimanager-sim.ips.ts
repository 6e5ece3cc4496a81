import { asBody, optionalBoolean, optionalEnum, optionalId, optionalString } from './dcimanager-sim.body';
import { DCI_CODES, DciSimError, invalidValue, notFound } from './dcimanager-sim.errors';
import type { IpRecord, IpnetRecord, ServerRecord } from './dcimanager-sim.model';
import type { Accepted } from './dcimanager-sim.servers';
import { DURATIONS, type DciSimState } from './dcimanager-sim.state';

// Addresses on servers (docs/providers/dcimanager.md#addresses-on-servers): allocation from a pool, network or by
// address, release.

const v4ToInt = (address: string): number | undefined => {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
};
const intToV4 = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** Whether `address` lies in `net`; IPv6 networks are /64 or wider and compared by their prefix text. */
function inside(net: IpnetRecord, address: string): boolean {
  const [base] = net.name.split('/');
  if (net.family === 2) {
    const value = v4ToInt(address);
    const start = v4ToInt(base)!;
    return value !== undefined && value > start && value < start + 2 ** (32 - net.mask) - 1;
  }
  return (
    /^[0-9a-f:]+$/i.test(address) && address.toLowerCase().startsWith(base.toLowerCase()) && address !== base
  );
}

function firstFree(state: DciSimState, net: IpnetRecord): string | undefined {
  const used = new Set([...state.ips.values()].map((ip) => ip.address));
  used.add(net.gateway);
  const [base] = net.name.split('/');
  // Hosts from .10 up, to leave the low addresses for routers.
  if (net.family === 10) {
    for (let host = 0x10; host < 0x1000; host++) {
      const candidate = `${base}${host.toString(16)}`;
      if (!used.has(candidate)) return candidate;
    }
    return undefined;
  }
  const start = v4ToInt(base)!;
  for (let host = start + 10; host < start + 2 ** (32 - net.mask) - 1; host++) {
    if (!used.has(intToV4(host))) return intToV4(host);
  }
  return undefined;
}

/**
 * `POST /server/{id}/ip`. No source given: the networks of the server's location (same userspace). The
 * answer's `id` is the new address's id; its status is `allocating`, then `ok` (or `allocation_fail`).
 */
export function allocateIp(state: DciSimState, server: ServerRecord, raw: unknown): Accepted {
  const body = asBody(raw);
  const family = optionalEnum(body, 'family', ['ipv4', 'ipv6'] as const) ?? 'ipv4';
  const familyNumber = family === 'ipv4' ? 2 : 10;
  const poolId = optionalId(body, 'ip_pool');
  const netId = optionalId(body, 'ip_net');
  const wanted = optionalString(body, 'ip_name');
  const domain = optionalString(body, 'domain') ?? server.domain;
  const setMain = optionalBoolean(body, 'set_as_main_ipv4') ?? false;
  const location = state.locations.find((l) => l.id === server.locationId)!;
  if (poolId !== undefined && !state.pools.some((p) => p.id === poolId))
    throw invalidValue('ip_pool', `No IP pool ${poolId}`);
  if (netId !== undefined && !state.ipnets.some((n) => n.id === netId))
    throw invalidValue('ip_net', `No IP network ${netId}`);
  const nets = state.ipnets.filter(
    (net) =>
      net.family === familyNumber &&
      (netId !== undefined
        ? net.id === netId
        : poolId !== undefined
          ? net.poolId === poolId
          : net.userspace === location.userspace),
  );
  if (nets.length === 0)
    throw invalidValue(netId !== undefined ? 'ip_net' : 'family', `No ${family} network to allocate from`);
  let net: IpnetRecord | undefined;
  let address: string | undefined;
  if (wanted !== undefined) {
    net = nets.find((n) => inside(n, wanted));
    if (!net) throw invalidValue('ip_name', `${wanted} is not in the chosen networks`, { value: wanted });
    if ([...state.ips.values()].some((ip) => ip.address === wanted) || wanted === net.gateway)
      throw new DciSimError(400, DCI_CODES.ADDRESS_TAKEN, `${wanted} is already in use`, { ip_name: wanted });
    address = wanted;
  } else {
    for (const candidate of nets) {
      address = firstFree(state, candidate);
      net = candidate;
      if (address) break;
    }
  }
  if (!address || !net)
    throw new DciSimError(400, DCI_CODES.POOL_EXHAUSTED, `No free ${family} address left`, {});
  const record: IpRecord = {
    id: state.nextIpId(),
    address,
    family,
    ipnetId: net.id,
    serverId: server.id,
    domain,
    status: 'allocating',
    statusInfo: null,
  };
  state.ips.set(record.id, record);
  state.changed();
  const failing = state.takeFailure('ip_allocate');
  state.later(server, DURATIONS.ip, () => {
    if (state.ips.get(record.id) !== record) return;
    if (failing) {
      record.status = 'allocation_fail';
      record.statusInfo = { msg: 'The address could not be configured (simulated failure)' };
      return;
    }
    record.status = 'ok';
    if (family === 'ipv4' && (setMain || server.mainIpv4 === null)) server.mainIpv4 = record.id;
    if (family === 'ipv6' && server.mainIpv6 === null) server.mainIpv6 = record.id;
  });
  return { id: record.id, task: state.nextTaskId() };
}

/** Release: status `deleting`, then gone; a main address is replaced by another of the server's, if any. */
export function releaseIp(state: DciSimState, server: ServerRecord, ipId: string): Accepted {
  const record = state.ips.get(Number(ipId));
  if (!record || record.serverId !== server.id) throw notFound('ip', ipId);
  if (record.status !== 'deleting') {
    record.status = 'deleting';
    state.changed();
    state.later(server, DURATIONS.ip, () => {
      state.ips.delete(record.id);
      const others = [...state.ips.values()].filter(
        (ip) => ip.serverId === server.id && ip.family === record.family && ip.status === 'ok',
      );
      if (server.mainIpv4 === record.id) server.mainIpv4 = others[0]?.id ?? null;
      if (server.mainIpv6 === record.id) server.mainIpv6 = others[0]?.id ?? null;
    });
  }
  return { id: record.id, task: state.nextTaskId() };
}
