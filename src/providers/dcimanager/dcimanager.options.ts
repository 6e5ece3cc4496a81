import { Static, Type } from '@sinclair/typebox';
import { SECRET_OPTION } from '../ports/provider-adapter';

const dciId = Type.Integer({ minimum: 1, maximum: 999_999_999_999 });

/** RAID levels `operation_os` accepts (`hdd_raid`, docs/providers/dcimanager.md#disks). */
export const RAID_LEVELS = ['no_raid', 'raid_0', 'raid_1', 'raid_5', 'raid_10'] as const;

/** `providerOptions` of server.create: what `operation_os` needs beyond the image and the SSH keys. */
export const ServerCreateOptions = Type.Object(
  {
    /** Root/administrator password of the installed OS (a secret: stored encrypted while the task runs; prefer SSH keys). */
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, ...SECRET_OPTION })),
    /** Software RAID over the local disks; DCImanager's default when absent. */
    hddRaid: Type.Optional(Type.Union(RAID_LEVELS.map((level) => Type.Literal(level)))),
    /** IP pool for the main IPv4 address when the chosen server has none (default: the location's pools). */
    ipPoolId: Type.Optional(dciId),
  },
  { additionalProperties: false },
);

/**
 * `providerOptions` of server.rebuild: the same `operation_os` call as a create's install, on the server as it is
 * (docs/providers/dcimanager.md#rebuild).
 */
export const ServerRebuildOptions = Type.Object(
  {
    /** Root/administrator password of the reinstalled OS (a secret, as in a create). */
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, ...SECRET_OPTION })),
    /** Software RAID over the local disks; DCImanager's default when absent. */
    hddRaid: Type.Optional(Type.Union(RAID_LEVELS.map((level) => Type.Literal(level)))),
  },
  { additionalProperties: false },
);

/** `providerOptions` of ip.allocate, i.e. the fields of `POST /server/{id}/ip`. */
export const IpAllocateOptions = Type.Object(
  {
    family: Type.Optional(Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6')])),
    /** A specific address (`ip_name`); it must be free in the pool or network. */
    address: Type.Optional(Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$' })),
    ipPoolId: Type.Optional(dciId),
    /** An IPmanager network (`ip_net`), i.e. a network id of this connection. */
    ipNetId: Type.Optional(dciId),
    /** Host name for the address (PTR). */
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' })),
    /** Make it the server's main IPv4 address. */
    setAsMain: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type ServerCreateOptions = Static<typeof ServerCreateOptions>;
export type ServerRebuildOptions = Static<typeof ServerRebuildOptions>;
export type IpAllocateOptions = Static<typeof IpAllocateOptions>;
