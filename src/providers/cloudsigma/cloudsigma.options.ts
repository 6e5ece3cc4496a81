import { Static, Type } from '@sinclair/typebox';
import { SECRET_OPTION } from '../ports/provider-adapter';

/** `providerOptions` of server.create: 1.0 server and boot-drive settings the normalized body has no place for. */
export const ServerCreateOptions = Type.Object(
  {
    /**
     * VNC password: at most 8 characters (docs/providers/cloudsigma.md#creating-a-server); a secret, stored
     * encrypted while the task runs. Without one VNC stays disabled.
     */
    vncPassword: Type.Optional(
      Type.String({ minLength: 1, maxLength: 8, pattern: '^\\S+$', ...SECRET_OPTION }),
    ),
    /** Require VeNCrypt TLS on VNC (`vnc:tls on`). */
    vncTls: Type.Optional(Type.Boolean()),
    /** Emulated network card of the public NIC (and of the VLAN NIC). */
    nicModel: Type.Optional(
      Type.Union([Type.Literal('e1000'), Type.Literal('rtl8139'), Type.Literal('virtio')]),
    ),
    /** Size of the boot drive cloned from the image, in GiB (not below the image's size). */
    bootDriveSizeGb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1024 })),
    /** Put the boot drive on SSD storage (`tags affinity:ssd`). */
    ssd: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const VolumeCreateOptions = Type.Object(
  {
    /** SSD storage (`tags affinity:ssd`) instead of HDD. */
    ssd: Type.Optional(Type.Boolean()),
    /** `claim:type shared`: several servers may have the drive at once. */
    shared: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `providerOptions` of server.rebuild (docs/providers/cloudsigma.md#rebuild). */
export const ServerRebuildOptions = Type.Object(
  {
    /** Keep the old boot drive (detached) instead of destroying it once the new one is in place. */
    keepOldDrive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type ServerCreateOptions = Static<typeof ServerCreateOptions>;
export type ServerRebuildOptions = Static<typeof ServerRebuildOptions>;
export type VolumeCreateOptions = Static<typeof VolumeCreateOptions>;
