import { Type } from '@sinclair/typebox';
import { wireType, nullable } from '../../kit/wire';

// What the IMCO mappers read from each backend object (docs/adr/0004-untrusted-backends.md): the types of the
// fields they use, optional (and nullable, as IMCO sends null for empty fields) where they cope without them.
// Fields nobody reads are not checked, so IMCO may add fields freely.

/** An IMCO id (24 hex characters in every recorded answer): required, bounded, safe in a gateway id and a URL. */
const Id = Type.String({ pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._~-]{1,64}$' });
/** Another object's id that becomes a gateway id (`imageId`, `planId`...): empty counts as none. */
const Ref = Type.String({ pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._~-]{0,64}$' });
/** An id, a CIDR, a provider's name...: text passed on in `extra`, bounded (none of them comes near it). */
const Short = Type.String({ maxLength: 1_024 });
/** An IPv4 or IPv6 address (its version is read from it), or empty. */
const Address = Type.String({ maxLength: 64, pattern: '^[0-9A-Fa-f.:]*$' });
const List = Type.Array(Short, { maxItems: 1_000 });

const opt = nullable;

export const ImcoServerSchema = Type.Object({
  id: Id,
  name: Type.String(),
  state: opt(Type.String()),
  fqdn: opt(Short),
  public_ip: opt(Address),
  private_ip: opt(Address),
  template_id: opt(Ref),
  server_plan_id: opt(Ref),
  vpc_id: opt(Ref),
  cloud_account_id: opt(Short),
  ssh_profile_id: opt(Short),
  ssh_profile_ids: opt(List),
  firewall_profile_id: opt(Short),
  brownfield_state: opt(Short),
  server_array_id: opt(Short),
  subnet_id: opt(Short),
  privateness: opt(Type.Boolean()),
  label_ids: opt(List),
});

export const ImcoVolumeSchema = Type.Object({
  id: Id,
  name: Type.String(),
  state: opt(Type.String()),
  /** GB: an integer as documented (docs/providers/imco.md#volumes-and-storage-plans); a numeric string too. */
  size: opt(Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d{1,15}(\\.\\d+)?$' })])),
  device: opt(Short),
  storage_plan_id: opt(Short),
  cloud_account_id: opt(Short),
  realm_id: opt(Short),
  attached_server_id: opt(Ref),
  remote_id: opt(Short),
  desired_remote_id: opt(Short),
  brownfield: opt(Type.Boolean()),
  label_ids: opt(List),
});

export const ImcoFloatingIpSchema = Type.Object({
  id: Id,
  name: Type.String(),
  state: opt(Type.String()),
  address: opt(Address),
  attached_server_id: opt(Ref),
  cloud_account_id: opt(Short),
  realm_id: opt(Short),
  desired_remote_id: opt(Short),
  brownfield: opt(Type.Boolean()),
  label_ids: opt(List),
});

export const ImcoVpcSchema = Type.Object({
  id: Id,
  name: Type.String(),
  state: opt(Type.String()),
  cidr: opt(Short),
  cloud_account_id: opt(Short),
  realm_provider_name: opt(Short),
  has_vpn: opt(Type.Boolean()),
  allowed_subnet_types: opt(List),
  brownfield: opt(Type.Boolean()),
  label_ids: opt(List),
});

/** Subnets travel inside their VPC's `extra`; a subnet's name is not required there. */
export const ImcoSubnetSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
  state: opt(Short),
  cidr: opt(Short),
  type: opt(Short),
  vpc_id: opt(Short),
  server_creation_disabled: opt(Type.Boolean()),
});

export const ImcoServerPlanSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
  /** MB, cores (a float: docs/providers/imco.md#cloud-accounts-realms-and-plans), GB. */
  memory: opt(Type.Number()),
  cpus: opt(Type.Number()),
  storage: opt(Type.Number()),
  realm_id: opt(Ref),
  cloud_provider_id: opt(Short),
  realm_provider_name: opt(Short),
  flavour_provider_name: opt(Short),
});

export const ImcoTemplateSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
  generic_image_id: opt(Short),
  state: opt(Short),
  run_list: opt(List),
});

export const ImcoGenericImageSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
});

export const ImcoRealmSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
  provider_name: opt(Short),
  cloud_provider_id: opt(Short),
  location_id: opt(Short),
  deprecated: opt(Type.Boolean()),
});

/** Cloud accounts: the catalog lists the realms and plans of their providers; creates choose one. */
export const ImcoCloudAccountSchema = Type.Object({
  id: Id,
  cloud_provider_id: opt(Short),
  state: opt(Short),
});

/**
 * What the crash-safe creates read of the resources of a list (plans/marker.steps.ts): an item the task may have made
 * is found by these alone, whatever else is wrong with it.
 */
export const ImcoMarkableSchema = Type.Object({
  id: Id,
  name: opt(Type.String()),
  label_ids: opt(List),
});

/**
 * A label (docs/providers/imco.md#labels): its name carries a gateway label (model/labels.ts); one with a
 * `namespace` is IMCO's own (a CAT deployment...) and never a caller's.
 */
export const ImcoLabelSchema = Type.Object({
  id: Id,
  name: Type.String({ maxLength: 1_024 }),
  namespace: opt(Short),
  value: opt(Short),
});

/** An SSH profile (docs/providers/imco.md#ssh-keys): a name and an OpenSSH public key, never a private one. */
export const ImcoSshProfileSchema = Type.Object({
  id: Id,
  name: Type.String(),
  /** At most 16 KiB: an OpenSSH public key line is far shorter (an RSA 16384-bit key is ~2.8 KB). */
  public_key: opt(Type.String({ maxLength: 16_384 })),
  label_ids: opt(List),
});

export const ImcoServer = wireType('IMCO server', ImcoServerSchema);
export const ImcoVolume = wireType('IMCO volume', ImcoVolumeSchema);
export const ImcoFloatingIp = wireType('IMCO floating IP', ImcoFloatingIpSchema);
export const ImcoVpc = wireType('IMCO VPC', ImcoVpcSchema);
export const ImcoSubnet = wireType('IMCO subnet', ImcoSubnetSchema);
export const ImcoServerPlan = wireType('IMCO server plan', ImcoServerPlanSchema);
export const ImcoTemplate = wireType('IMCO template', ImcoTemplateSchema);
export const ImcoGenericImage = wireType('IMCO generic image', ImcoGenericImageSchema);
export const ImcoRealm = wireType('IMCO realm', ImcoRealmSchema);
export const ImcoCloudAccount = wireType('IMCO cloud account', ImcoCloudAccountSchema);
export const ImcoMarkable = wireType('IMCO resource', ImcoMarkableSchema);
export const ImcoLabel = wireType('IMCO label', ImcoLabelSchema);
export const ImcoSshProfile = wireType('IMCO SSH profile', ImcoSshProfileSchema);

/** The id of an item that failed its checks, when it has a usable one (to name it, or to keep polling it). */
export function usableId(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}
