import { type Static, Type } from '@sinclair/typebox';
import { type SkippedItem, wireType, nullable } from '../../kit/wire';

/**
 * What DCImanager 6 and IPmanager send, as the adapter reads it. Each object it reads is checked before it is
 * mapped (docs/adr/0004-untrusted-backends.md): its schema names only the fields the mapper and the plans read,
 * with the types they read them as; everything else passes unchecked, and a field a build may leave out is
 * optional. Shaped after the documented objects and the recorded production server list
 * (docs/providers/dcimanager.md#the-server-object, docs/providers/dcimanager.md#addresses-on-servers,
 * docs/providers/dcimanager.md#ipmanager-networks, docs/providers/dcimanager.md#users-and-ownership).
 */

/** A list answer: the page and, when DCImanager says it, the total number of matches (not the page length). */
export interface DciList<T> {
  list: T[];
  size?: number;
}

/**
 * The answer of every action: `{"id", "task"}`; which object `id` names depends on the call
 * (docs/providers/dcimanager.md#long-operations).
 */
export interface DciAck {
  id?: number | string;
  task?: number | string;
}

/** DCImanager's integer ids (servers, addresses, networks, templates, locations, users). */
const dciId = Type.Integer({ minimum: 0, maximum: 999_999_999_999_999 });
/** A name shown to people: any string; `mapListed`/`mapOne` clean it and cut it at 255 characters. */
const name = Type.String();
/** Free text copied into `extra` or compared (states, configuration codes, e-mails...): a sane length. */
const text = Type.String({ maxLength: 4096 });
/** An IPv4 or IPv6 address as text (an address's `name`). */
const address = Type.String({ pattern: '^[0-9A-Fa-f:.]{2,45}$' });
/** A count IPmanager may send as a number or a numeric string. */
const numeric = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d{1,18}$' })]);

const opt = nullable;

/** An address on a server (`server.ip[]`, `GET /server/{id}/ip`). */
export const DciIpSchema = Type.Object({
  id: dciId,
  /** The address itself. */
  name: address,
  family: opt(text),
  gateway: opt(text),
  /** The network, in CIDR form: it names the IPmanager network. */
  network: opt(text),
  domain: opt(text),
  status: opt(text),
  type: opt(text),
});

/** A long operation (OS install, disk wipe, diagnostics) as a server carries it. */
export const DciOperationSchema = Type.Object({
  id: opt(Type.Union([dciId, text])),
  status: opt(text),
  /** Read defensively (a message, or stages to count): typed, not checked. */
  status_info: Type.Optional(Type.Unknown()),
  progress_info: Type.Optional(Type.Unknown()),
});

export const DciServerSchema = Type.Object({
  id: dciId,
  uuid: opt(text),
  /** The inventory name, shown when the caller's name (`user_note`) is empty. */
  name: opt(name),
  domain: opt(text),
  /** The caller's name on its first line (and the gateway's marker). */
  user_note: opt(Type.String()),
  barcode: opt(text),
  serial_number: opt(text),
  mac: opt(text),
  state: opt(text),
  state_info: opt(text),
  power_status: opt(text),
  operation: opt(DciOperationSchema),
  os_template: opt(Type.Object({ id: dciId, name: opt(name), tags: opt(Type.Array(text)) })),
  configuration: opt(text),
  generated_configuration: opt(text),
  custom_configuration: opt(text),
  is_custom_configuration: opt(Type.Boolean()),
  ip: opt(Type.Array(DciIpSchema)),
  main_ipv4: opt(dciId),
  main_ipv6: opt(dciId),
  owner: opt(Type.Object({ id: opt(dciId), email: opt(text) })),
  owner_email: opt(text),
  location: opt(
    Type.Object({ id: dciId, name: opt(name), geolocation: opt(text), userspace: opt(Type.Integer()) }),
  ),
  location_id: opt(dciId),
  rack: opt(Type.Object({ id: Type.Optional(Type.Unknown()), name: opt(text) })),
  unit: opt(Type.Integer()),
  is_new: opt(Type.Boolean()),
  has_errors: opt(Type.Boolean()),
});

/** What the local disks of a server are read from: its names and its configuration code. */
export const DciServerDisksSchema = Type.Pick(DciServerSchema, [
  'id',
  'name',
  'user_note',
  'configuration',
  'generated_configuration',
  'custom_configuration',
  'is_custom_configuration',
]);

/** What an address needs of its server: the id and the main addresses; the entries are checked one by one. */
export const DciServerAddressesSchema = Type.Object({
  id: dciId,
  main_ipv4: opt(dciId),
  main_ipv6: opt(dciId),
  ip: opt(Type.Array(Type.Unknown())),
});

/** One address of the address list: the entry, with the server it sits on. */
export const DciServerAddressSchema = Type.Object({ server: DciServerAddressesSchema, ip: DciIpSchema });

/** One local disk of the disk list: the server and the disk's place in its configuration code. */
export const DciServerDiskSchema = Type.Object({
  server: DciServerDisksSchema,
  index: Type.Integer({ minimum: 0, maximum: 999 }),
});

/** An IPmanager network (`/ip/v3/ipnet`). */
export const DciIpnetSchema = Type.Object({
  id: dciId,
  /** The network, usually in CIDR form; also its name. */
  name,
  /** 2/10 (address family numbers) or `ipv4`/`ipv6`. */
  family: opt(Type.Union([Type.Integer(), text])),
  mask: opt(Type.Integer({ minimum: 0, maximum: 128 })),
  gateway: opt(text),
  userspace: opt(Type.Union([Type.Integer(), text])),
  vlan: opt(Type.Union([Type.Integer(), text])),
  note: opt(text),
  using_ip: opt(numeric),
  total_ip: opt(numeric),
});

/** Free stock per hardware configuration (`/dci/v3/server/configuration`). */
export const DciConfigurationSchema = Type.Object({
  configuration: opt(text),
  free_server_count: opt(Type.Integer({ minimum: 0 })),
});

export const DciOsTemplateSchema = Type.Object({ id: dciId, name, tags: opt(Type.Array(text)) });

export const DciLocationSchema = Type.Object({
  id: dciId,
  name,
  geolocation: opt(text),
  userspace: opt(Type.Integer()),
});

export const DciUserSchema = Type.Object({ id: dciId, email: text });

export const SERVER = wireType('DCImanager server', DciServerSchema);
export const SERVER_DISKS = wireType('DCImanager server (disks)', DciServerDisksSchema);
export const SERVER_ADDRESSES = wireType('DCImanager server (addresses)', DciServerAddressesSchema);
export const SERVER_ADDRESS = wireType('DCImanager server address', DciServerAddressSchema);
export const SERVER_DISK = wireType('DCImanager local disk', DciServerDiskSchema);
export const IP = wireType('DCImanager address', DciIpSchema);
export const IPNET = wireType('IPmanager network', DciIpnetSchema);
export const CONFIGURATION = wireType('DCImanager configuration', DciConfigurationSchema);
export const OS_TEMPLATE = wireType('DCImanager OS template', DciOsTemplateSchema);
export const LOCATION = wireType('DCImanager location', DciLocationSchema);
export const USER = wireType('DCImanager user', DciUserSchema);

export type DciIp = Static<typeof DciIpSchema>;
export type DciOperation = Static<typeof DciOperationSchema>;
export type DciServer = Static<typeof DciServerSchema>;
export type DciServerDisks = Static<typeof DciServerDisksSchema>;
export type DciServerAddresses = Static<typeof DciServerAddressesSchema>;
export type DciIpnet = Static<typeof DciIpnetSchema>;
export type DciConfiguration = Static<typeof DciConfigurationSchema>;
export type DciOsTemplate = Static<typeof DciOsTemplateSchema>;
export type DciLocation = Static<typeof DciLocationSchema>;
export type DciUser = Static<typeof DciUserSchema>;

/** A list read up to `maxListItems`, and how many items DCImanager said it holds (`size`), when it said. */
export interface ListAnswer {
  items: unknown[];
  total: number | undefined;
}

/** The reason for the items a list did not read because of `maxListItems` (none when it read them all). */
export function beyondLimit(answer: ListAnswer, max: number, what: string): SkippedItem[] {
  if (answer.items.length < max) return [];
  if (answer.total !== undefined && answer.total <= answer.items.length) return [];
  const held = answer.total === undefined ? 'may hold more' : `holds ${answer.total}`;
  return [{ nativeId: null, reason: `DCImanager ${held} ${what}; the first ${max} are read (maxListItems)` }];
}
