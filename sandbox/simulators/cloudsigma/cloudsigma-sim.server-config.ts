import { busy, inUse, invalidAll, notFound } from './cloudsigma-sim.errors';
import { DEVICE_KEY, LIBRARY_USER, type ServerRecord } from './cloudsigma-sim.model';
import { autoCores } from './cloudsigma-sim.render';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';
import type { SimFields } from './cloudsigma-sim.text';

// The keys of `/servers/create` and `/servers/UUID/set`, checked as the manual describes
// (docs/providers/cloudsigma.md#server-sizes, docs/providers/cloudsigma.md#devices-and-nics).

/** Keys the server reports but nobody sets: ignored when a client sends an info answer back. */
const READ_ONLY =
  /^(server|status|user|started|rx|tx|rx:packets|tx:packets)$|:(read|write):(bytes|requests)$/;
/** What `set` may change on a running server; anything else needs it stopped (docs/providers/cloudsigma.md#attach-and-detach). */
const WHILE_RUNNING = /^(name|persistent|description|use|tags|parent|vnc:password|user:[^\s]+)$/;
const NIC = /^nic:([0-3]):(model|dhcp|vlan|mac|block)$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const INTEGER = /^\d+$/;

type Problems = Array<[string, string]>;

function checkRange(problems: Problems, key: string, value: string, min: number, max: number): void {
  if (!INTEGER.test(value) || Number(value) < min || Number(value) > max)
    problems.push([key, `Must be a whole number from ${min} to ${max}.`]);
}

/** A drive for a device key: the account's, or a library CD; not copying; not held exclusively elsewhere. */
function checkDrive(
  state: CloudsigmaSimState,
  server: ServerRecord | null,
  key: string,
  uuid: string,
  media: string,
): void {
  const drive = state.drives.get(uuid) ?? state.library.get(uuid);
  if (!drive) throw notFound('drives', uuid, state.config.notFoundStatus);
  if (drive.user === LIBRARY_USER && media !== 'cdrom')
    throw invalidAll(
      [[key, `Library drive ${uuid} can only be used as a cdrom; clone it first.`]],
      new Map(),
    );
  if (state.imagingOf(drive) !== undefined)
    throw busy(key, `Drive ${uuid} is busy: it is still being imaged.`);
  if ((drive.fields.get('claim:type') ?? 'exclusive') !== 'exclusive') return;
  const other = state.usersOf(uuid).find((use) => use.server.uuid !== server?.uuid);
  if (other) throw inUse('drives', uuid, `server ${other.server.uuid}`);
}

function checkNic(
  state: CloudsigmaSimState,
  server: ServerRecord | null,
  problems: Problems,
  key: string,
  value: string,
): void {
  const [, , part] = NIC.exec(key)!;
  if (part === 'model' && !['e1000', 'rtl8139', 'virtio'].includes(value))
    problems.push([key, 'Must be e1000, rtl8139 or virtio.']);
  if (part === 'mac' && !MAC.test(value)) problems.push([key, 'Must be a MAC address.']);
  if (part === 'vlan' && !state.vlans.has(value)) throw notFound('vlan', value, state.config.notFoundStatus);
  if (part === 'dhcp' && value !== 'auto') {
    if (!state.ips.has(value)) throw notFound('ip', value, state.config.notFoundStatus);
    const holder = state.holderOf(value);
    if (holder && holder.uuid !== server?.uuid) throw inUse('ip', value, `server ${holder.uuid}`);
  }
}

/**
 * The configuration after applying `fields` (create: onto nothing; set: onto the server's). Empty values
 * remove a key on set (docs/providers/cloudsigma.md#wire-format). Throws the manual's errors: 400 with
 * `errors:<key>` lines, 400
 * "could not be found" for unknown drives, VLANs and IPs, 409 for busy drives or a running server.
 */
export function applyServerConfig(
  state: CloudsigmaSimState,
  server: ServerRecord | null,
  fields: SimFields,
): SimFields {
  const config = new Map(server?.config ?? []);
  const problems: Problems = [];
  const running = server !== null && server.status === 'active';
  for (const [key, value] of fields) {
    if (READ_ONLY.test(key)) continue;
    if (running && !WHILE_RUNNING.test(key))
      throw busy(key, `Server ${server.uuid} is active: stop it before changing ${key}.`);
    if (value === '') {
      if (server) config.delete(key);
      continue;
    }
    if (key === 'name' || key === 'description' || key === 'use' || key === 'tags' || key === 'parent') {
      // free text
    } else if (/^user:[^\s]+$/.test(key)) {
      // free metadata
    } else if (key === 'cpu') checkRange(problems, key, value, 1000, 20_000);
    else if (key === 'mem') checkRange(problems, key, value, 256, 32_768);
    else if (key === 'smp') {
      if (value !== 'auto') checkRange(problems, key, value, 1, 16);
    } else if (key === 'persistent') {
      if (value !== 'true' && value !== 'false') problems.push([key, 'Must be true or false.']);
    } else if (key === 'boot') {
      if (!value.split(/\s+/).every((device) => DEVICE_KEY.test(device)))
        problems.push([key, 'Must list device ids such as ide:0:0.']);
    } else if (DEVICE_KEY.test(key)) {
      checkDrive(
        state,
        server,
        key,
        value,
        fields.get(`${key}:media`) || config.get(`${key}:media`) || 'disk',
      );
    } else if (key.endsWith(':media') && DEVICE_KEY.test(key.slice(0, -':media'.length))) {
      if (value !== 'disk' && value !== 'cdrom') problems.push([key, 'Must be disk or cdrom.']);
    } else if (NIC.test(key)) checkNic(state, server, problems, key, value);
    else if (key === 'vnc:ip') {
      if (value !== 'auto' && !IPV4.test(value)) problems.push([key, 'Must be auto or an IP address.']);
    } else if (key === 'vnc:password') {
      if (value.length > 8) problems.push([key, 'At most 8 characters.']);
    } else if (key === 'vnc:tls') {
      if (value !== 'on' && value !== 'off') problems.push([key, 'Must be on or off.']);
    } else problems.push([key, 'Unknown key.']);
    config.set(key, value);
  }
  for (const required of ['name', 'cpu', 'mem'])
    if (!config.get(required)) problems.push([required, 'This field is required.']);
  const cpu = Number(config.get('cpu'));
  const smp = config.get('smp');
  const cores = smp && smp !== 'auto' ? Number(smp) : autoCores(cpu);
  // Manual 8.2: at least 1 GHz and at most 2.2 GHz per core.
  if (!problems.some(([key]) => key === 'cpu' || key === 'smp') && (cpu / cores > 2200 || cpu / cores < 1000))
    problems.push(['smp', `${cores} cores need a cpu quota from ${cores * 1000} to ${cores * 2200} MHz.`]);
  if (problems.length) throw invalidAll(problems, fields);
  return config;
}
