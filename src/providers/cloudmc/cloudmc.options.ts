import { Static, Type } from '@sinclair/typebox';

const uuidish = Type.String({ pattern: '^[A-Za-z0-9._~-]{1,200}$' });

/**
 * `providerOptions` of server.create: CloudMC create fields the normalized body has no place for. User data and
 * SSH keys have theirs (`userData`, `sshKeyIds`, `sshPublicKeys`): options are kept in clear in task records, user
 * data never is (docs/providers/cloudmc.md#user-data).
 */
export const ServerCreateOptions = Type.Object(
  {
    /** Size of the root disk, when the template allows resizing. */
    rootVolumeSizeInGb: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    /** Disk offering of an extra data volume created with the server. */
    diskOfferingId: Type.Optional(uuidish),
    additionalDiskSizeInGb: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    /** Fixed private IP inside the network's CIDR. */
    ipAddress: Type.Optional(Type.String({ format: 'ipv4' })),
    affinityGroupId: Type.Optional(uuidish),
  },
  { additionalProperties: false },
);

export const VolumeCreateOptions = Type.Object(
  {
    /** Disk offering to use instead of the one matched from `sizeGb`. */
    diskOfferingId: Type.Optional(uuidish),
  },
  { additionalProperties: false },
);

export const NetworkCreateOptions = Type.Object(
  {
    /** Create a tier of this VPC instead of an isolated network. */
    vpcId: Type.Optional(uuidish),
    /** Network offering instead of the one picked automatically (isolated, or VPC tier with `vpcId`). */
    networkOfferingId: Type.Optional(uuidish),
    /** ACL of the tier; defaults to the VPC's first ACL. */
    networkAclId: Type.Optional(uuidish),
    description: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const IpAllocateOptions = Type.Object(
  {
    /** VPC to take the address in; defaults to the server's VPC, else the environment's first VPC. */
    vpcId: Type.Optional(uuidish),
  },
  { additionalProperties: false },
);

export type ServerCreateOptions = Static<typeof ServerCreateOptions>;
export type VolumeCreateOptions = Static<typeof VolumeCreateOptions>;
export type NetworkCreateOptions = Static<typeof NetworkCreateOptions>;
export type IpAllocateOptions = Static<typeof IpAllocateOptions>;
