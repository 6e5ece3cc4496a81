// Raw IMCO v2/v3 shapes: flat snake_case objects (docs/providers/imco.md#json-and-lists). Everything beyond the
// id is optional, because fields differ between API versions and platform releases. What the mappers read is
// checked against the schemas of wire.ts before they see an object.

export interface ImServer {
  id: string;
  name?: string;
  fqdn?: string | null;
  state?: string | null;
  public_ip?: string | null;
  private_ip?: string | null;
  template_id?: string | null;
  server_plan_id?: string | null;
  cloud_account_id?: string | null;
  ssh_profile_id?: string | null;
  ssh_profile_ids?: string[] | null;
  firewall_profile_id?: string | null;
  brownfield_state?: string | null;
  server_array_id?: string | null;
  subnet_id?: string | null;
  vpc_id?: string | null;
  privateness?: boolean | null;
  resource_type?: string;
  label_ids?: string[] | null;
}

export interface ImVolume {
  id: string;
  name?: string;
  size?: number | string | null;
  state?: string | null;
  device?: string | null;
  storage_plan_id?: string | null;
  cloud_account_id?: string | null;
  realm_id?: string | null;
  attached_server_id?: string | null;
  remote_id?: string | null;
  desired_remote_id?: string | null;
  brownfield?: boolean | null;
  label_ids?: string[] | null;
}

export interface ImVpc {
  id: string;
  name?: string;
  cidr?: string | null;
  state?: string | null;
  cloud_account_id?: string | null;
  realm_provider_name?: string | null;
  has_vpn?: boolean | null;
  allowed_subnet_types?: string[] | null;
  brownfield?: boolean | null;
  label_ids?: string[] | null;
}

export interface ImSubnet {
  id: string;
  name?: string | null;
  cidr?: string | null;
  state?: string | null;
  type?: string | null;
  vpc_id?: string | null;
  server_creation_disabled?: boolean | null;
}

export interface ImFloatingIp {
  id: string;
  name?: string;
  address?: string | null;
  state?: string | null;
  cloud_account_id?: string | null;
  realm_id?: string | null;
  attached_server_id?: string | null;
  brownfield?: boolean | null;
  desired_remote_id?: string | null;
  label_ids?: string[] | null;
}

export interface ImCloudAccount {
  id: string;
  name?: string;
  cloud_provider_id?: string | null;
  state?: string | null;
  error_event_id?: string | null;
}

export interface ImCloudProvider {
  id: string;
  name?: string;
}

export interface ImRealm {
  id: string;
  name?: string | null;
  location_id?: string | null;
  cloud_provider_id?: string | null;
  provider_name?: string | null;
  deprecated?: boolean | null;
}

export interface ImServerPlan {
  id: string;
  name?: string | null;
  memory?: number | null;
  cpus?: number | null;
  storage?: number | null;
  location_id?: string | null;
  realm_id?: string | null;
  realm_provider_name?: string | null;
  flavour_provider_name?: string | null;
  cloud_provider_id?: string | null;
}

export interface ImStoragePlan {
  id: string;
  name?: string;
  min_size?: number | null;
  max_size?: number | null;
  cloud_provider_id?: string | null;
  realm_id?: string | null;
  deprecated?: boolean | null;
}

export interface ImGenericImage {
  id: string;
  name?: string | null;
}

export interface ImTemplate {
  id: string;
  name?: string | null;
  generic_image_id?: string | null;
  state?: string | null;
  run_list?: string[] | null;
}

export interface ImFirewallProfile {
  id: string;
  name?: string;
  default?: boolean | null;
}

export interface ImSshProfile {
  id: string;
  name?: string;
  public_key?: string | null;
  label_ids?: string[] | null;
}

export interface ImLabel {
  id: string;
  name?: string;
  /** Set on IMCO's own labels (e.g. `cat:deployment`); empty or absent on a user's. */
  namespace?: string | null;
  value?: string | null;
}

export interface ImEvent {
  id: string;
  timestamp?: string;
  level?: string;
  header?: string;
  description?: string;
}
