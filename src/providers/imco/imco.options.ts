import { Static, Type } from '@sinclair/typebox';

// `providerOptions` per operation: IMCO create fields the normalized bodies have no place for. Defaults are
// discovered from the account when an option is absent.

const imcoId = Type.String({ pattern: '^[A-Za-z0-9._~-]{1,64}$' });
const labelIds = Type.Array(imcoId, { maxItems: 20, description: 'IMCO labels to tag the resource with.' });

export const ServerCreateOptions = Type.Object(
  {
    /** Cloud account to commission in; default: the first account of the plan's cloud provider. */
    cloudAccountId: Type.Optional(imcoId),
    /** Firewall profile; default: the account's default profile. */
    firewallProfileId: Type.Optional(imcoId),
    /** SSH profiles, instead of (or besides) `sshPublicKeys`; default: the first SSH profile. */
    sshProfileIds: Type.Optional(Type.Array(imcoId, { minItems: 1, maxItems: 10 })),
    /** Subnet to place the server in; default: the first usable subnet of `networkIds[0]`, or none. */
    subnetId: Type.Optional(imcoId),
    /** Only a private address (no public IP). */
    privateness: Type.Optional(Type.Boolean()),
    labelIds: Type.Optional(labelIds),
  },
  { additionalProperties: false },
);

export const VolumeCreateOptions = Type.Object(
  {
    /** Storage plan; default: the first current plan of the realm that admits the size. */
    storagePlanId: Type.Optional(imcoId),
    /** Cloud account; default: the server's account, else the first account. */
    cloudAccountId: Type.Optional(imcoId),
    /** Realm (location) of the volume when no server is given. */
    realmId: Type.Optional(imcoId),
    labelIds: Type.Optional(labelIds),
  },
  { additionalProperties: false },
);

const subnetType = Type.Union([
  Type.Literal('only_public'),
  Type.Literal('only_private'),
  Type.Literal('public_and_private'),
]);

export const NetworkCreateOptions = Type.Object(
  {
    cloudAccountId: Type.Optional(imcoId),
    /** Realm (location) whose region the VPC is made in; default: the account provider's first realm. */
    realmId: Type.Optional(imcoId),
    /** The provider's region name (e.g. `eastus`) instead of `realmId`. */
    realmProviderName: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
    /** The subnet made with the VPC; default: the first /24 of the VPC (or the whole VPC when smaller). */
    subnet: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          cidr: Type.Optional(Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' })),
          type: Type.Optional(subnetType),
        },
        { additionalProperties: false },
      ),
    ),
    /** Make the VPC without any subnet. */
    withoutSubnet: Type.Optional(Type.Boolean()),
    labelIds: Type.Optional(labelIds),
  },
  { additionalProperties: false },
);

export const IpAllocateOptions = Type.Object(
  {
    /** Name of the floating IP in IMCO; default `floating-ip`. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cloudAccountId: Type.Optional(imcoId),
    /** Realm of the address; default: the server's realm, else the account provider's first realm. */
    realmId: Type.Optional(imcoId),
    labelIds: Type.Optional(labelIds),
  },
  { additionalProperties: false },
);

export type ServerCreateOptions = Static<typeof ServerCreateOptions>;
export type VolumeCreateOptions = Static<typeof VolumeCreateOptions>;
export type NetworkCreateOptions = Static<typeof NetworkCreateOptions>;
export type IpAllocateOptions = Static<typeof IpAllocateOptions>;
