import { DEVICE_KEY, type DriveRecord, type ServerRecord, type StaticIpRecord } from './cloudsigma-sim.model';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';

// The objects as `info`, `create`, `set` and `clone` answer them (docs/providers/cloudsigma.md#servers,
// docs/providers/cloudsigma.md#drives). Key order carries no meaning.

type Pairs = Array<[string, string | undefined]>;

/**
 * Cores `smp auto` works out from the CPU quota: as few as keep each core at or under 2.2 GHz
 * (docs/providers/cloudsigma.md#server-sizes).
 */
export function autoCores(cpu: number): number {
  return Math.max(1, Math.ceil(cpu / 2200));
}

/**
 * Whether `nic:0` takes a temporary public address at boot: `nic:0:dhcp auto`, or a public NIC (a model, no
 * VLAN) with no `nic:0:dhcp` line at all, as jclouds created servers (create_server.txt) and got one back
 * (new_server.txt shows it only as `vnc:ip`): an inferred pairing (docs/providers/cloudsigma.md#a-servers-public-address).
 */
export function usesTemporaryAddress(config: ServerRecord['config']): boolean {
  const dhcp = config.get('nic:0:dhcp');
  if (dhcp !== undefined) return dhcp === 'auto';
  return config.has('nic:0:model') && !config.has('nic:0:vlan');
}

/** The address `nic:0` uses now: the configured static IP, or the temporary one given at boot. */
export function publicAddress(server: ServerRecord): string | undefined {
  if (usesTemporaryAddress(server.config)) return server.status === 'active' ? server.tempIp : undefined;
  return server.config.get('nic:0:dhcp') || undefined;
}

export function renderServer(state: CloudsigmaSimState, server: ServerRecord): Pairs {
  const active = server.status === 'active';
  const pairs: Pairs = [
    ['server', server.uuid],
    ['status', state.statusOf(server)],
    ['user', state.account],
  ];
  for (const [key, value] of server.config) {
    // A stopped server shows `auto`; a running one the address it got (docs/providers/cloudsigma.md#a-servers-public-address).
    if (key === 'nic:0:dhcp' && value === 'auto' && active) pairs.push([key, server.tempIp]);
    // `vnc:ip` is the public address while the server runs, even without a `nic:0:dhcp` line.
    else if (key === 'vnc:ip' && value === 'auto' && active)
      pairs.push([key, publicAddress(server) ?? 'auto']);
    else pairs.push([key, value]);
  }
  if (!server.config.has('smp')) pairs.push(['smp', String(autoCores(Number(server.config.get('cpu'))))]);
  if (!server.config.has('persistent')) pairs.push(['persistent', 'false']);
  if (active && server.started !== undefined) pairs.push(['started', String(server.started)]);
  pairs.push(['rx', String(server.rx)], ['tx', String(server.tx)]);
  pairs.push(['rx:packets', String(Math.floor(server.rx / 600))]);
  pairs.push(['tx:packets', String(Math.floor(server.tx / 600))]);
  for (const key of server.config.keys()) {
    if (!DEVICE_KEY.test(key)) continue;
    for (const counter of ['read:bytes', 'read:requests', 'write:bytes', 'write:requests'])
      pairs.push([`${key}:${counter}`, '0']);
  }
  const bulk = state.config.bulkUserKeys.get(server.uuid) ?? 0;
  for (let i = 0; i < bulk; i++) pairs.push([`user:bulk${i}`, `v${i}`]);
  return pairs;
}

export function renderDrive(state: CloudsigmaSimState, drive: DriveRecord): Pairs {
  const imaging = state.imagingOf(drive);
  const pairs: Pairs = [
    ['drive', drive.uuid],
    ['status', imaging !== undefined && state.config.imagingStatus ? 'imaging' : 'active'],
    ['user', drive.user],
  ];
  for (const [key, value] of drive.fields) if (key !== 'claimed') pairs.push([key, value]);
  const claims = state.claimsOf(drive);
  if (claims.length) pairs.push(['claimed', claims.join(' ')]);
  if (imaging !== undefined) pairs.push(['imaging', imaging]);
  pairs.push(
    ['read:bytes', '4096'],
    ['read:requests', '1'],
    ['write:bytes', '4096'],
    ['write:requests', '1'],
  );
  return pairs;
}

export function renderIp(state: CloudsigmaSimState, ip: StaticIpRecord): Pairs {
  return [
    ['resource', ip.address],
    ['type', 'ip'],
    ['user', state.account],
    ['netmask', ip.netmask],
    ['gateway', ip.gateway],
    ['nameserver', ip.nameservers.join(' ')],
  ];
}

export function renderVlan(state: CloudsigmaSimState, vlan: { uuid: string; name: string }): Pairs {
  return [
    ['resource', vlan.uuid],
    ['type', 'vlan'],
    ['user', state.account],
    ['name', vlan.name],
  ];
}

export function renderProfile(state: CloudsigmaSimState, email: string): Pairs {
  return [
    ['uuid', state.account],
    ['email', email],
    ['first_name', 'Sandbox'],
    ['last_name', 'Operator'],
    ['nick_name', 'sandbox'],
    ['title', ''],
    ['company', ''],
    ['currency', 'CHF'],
    ['country', 'CH'],
    ['language', 'en'],
  ];
}
