import { type TSchema, Type } from '@sinclair/typebox';
import { type WireType, wireType, nullable } from '../../kit/wire';
import { type KvObject, keysBeyondBound, MAX_KEYS_PER_OBJECT } from './codec';

// What the CloudSigma mappers read from each 1.0 object (docs/adr/0004-untrusted-backends.md). The codec makes
// every value a string (or null for a key sent without one), so these schemas check presence and the formats the
// mappers rely on: UUIDs that become gateway ids, numbers, booleans, Unix times. Keys nobody reads are not checked.

/**
 * A 1.0 UUID. libcloud's recorded drive answer (`drives_single_info.txt`) spells one with underscores, so either
 * separator is taken; both are safe in a gateway id and a URL.
 */
const UUID = '[0-9A-Fa-f]{8}[-_][0-9A-Fa-f]{4}[-_][0-9A-Fa-f]{4}[-_][0-9A-Fa-f]{4}[-_][0-9A-Fa-f]{12}';
const Uuid = Type.String({ pattern: `^${UUID}$` });
/** An IPv4 address: a static IP's id (1.0 hands out IPv4 addresses only). */
const Ipv4 = Type.String({ pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$' });
/** A whole or decimal number (MHz, MB, bytes, bits). */
const Numeric = Type.String({ pattern: '^\\d{1,20}(\\.\\d{1,6})?$' });
/** `claimed`: space-separated `<host>:guest:<server>:<device>` (or imaging lock) entries of id-safe parts. */
const Claims = Type.String({ pattern: '^[A-Za-z0-9._~:-]+(\\s+[A-Za-z0-9._~:-]+)*$' });
const Short = Type.String({ maxLength: 1_024 });

const opt = nullable;

export const CloudsigmaServerSchema = Type.Intersect([
  Type.Object({
    server: Uuid,
    name: Type.String(),
    status: opt(Type.String()),
    cpu: opt(Numeric),
    mem: opt(Numeric),
    smp: opt(Type.String({ pattern: '^(\\d{1,6}|auto)$' })),
    /** Unix seconds: a date far beyond year 33000 is not one. */
    started: opt(Type.String({ pattern: '^\\d{1,12}$' })),
    /** `true` or not: a recorded library drive says `free none`, so other words read as false. */
    persistent: opt(Short),
    /** The image the gateway made the server from: it becomes `imageId`. */
    'user:gwimage': opt(Uuid),
    'vnc:ip': opt(Short),
    boot: opt(Short),
  }),
  /** Drives on device keys and VLANs on NICs become gateway ids: UUIDs, or empty (a cleared setting). */
  Type.Record(
    Type.String({ pattern: '^(ide:[01]:[01]|scsi:0:[0-7]|block:[0-7]|nic:\\d+:vlan)$' }),
    Type.Union([Uuid, Type.Null()]),
  ),
]);

/** An account drive (a volume) or a library drive (an image): the fields both mappers read. */
export const CloudsigmaDriveSchema = Type.Object({
  drive: Uuid,
  name: Type.String(),
  status: opt(Type.String()),
  /** Bytes. */
  size: opt(Numeric),
  user: opt(Short),
  type: opt(Short),
  os: opt(Short),
  claimed: opt(Claims),
  'claim:type': opt(Short),
  tags: opt(Type.String()),
  imaging: opt(Short),
  bits: opt(Numeric),
  free: opt(Short),
});

export const CloudsigmaVlanSchema = Type.Object({
  resource: Uuid,
  name: Type.String(),
});

/** A static IP: its address is its id; it has no name. */
export const CloudsigmaStaticIpSchema = Type.Object({
  resource: Ipv4,
  netmask: opt(Short),
  gateway: opt(Short),
  nameserver: opt(Short),
});

/** A wire type of 1.0 objects: a TypeBox schema, the codec's key bound, and the key that names an object. */
export interface KvType extends WireType<KvObject> {
  readonly idKey: string;
  /** The id an object gives itself, when usable (to name one left out, or to keep polling one). */
  readonly nativeIdOf: (raw: unknown) => string | null;
}

function kvType(name: string, idKey: string, schema: TSchema): KvType {
  const checked = wireType(name, schema);
  const beyond = (value: unknown) => keysBeyondBound(value);
  return {
    name,
    idKey,
    is: (value): value is KvObject => beyond(value) === undefined && checked.is(value),
    explain: (value) => {
      const keys = beyond(value);
      return keys === undefined
        ? checked.explain(value)
        : `${keys} keys, more than ${MAX_KEYS_PER_OBJECT} keys per object`;
    },
    nativeIdOf: (raw) => {
      const id = (raw as Record<string, unknown> | null)?.[idKey];
      return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
    },
  };
}

export const CloudsigmaServer = kvType('CloudSigma server', 'server', CloudsigmaServerSchema);
export const CloudsigmaDrive = kvType('CloudSigma drive', 'drive', CloudsigmaDriveSchema);
export const CloudsigmaVlan = kvType('CloudSigma VLAN', 'resource', CloudsigmaVlanSchema);
export const CloudsigmaStaticIp = kvType('CloudSigma static IP', 'resource', CloudsigmaStaticIpSchema);
