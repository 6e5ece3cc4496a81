// DCImanager 6 wire shapes (docs/providers/dcimanager.md §5.2, §8, §10), optional wherever a build may leave a field out.

export interface DciList<T> {
  list: T[];
  /** Total number of matches (not the page length). */
  size?: number;
}

/** The answer of every action: `{"id", "task"}`; which object `id` names depends on the call. */
export interface DciAck {
  id?: number | string;
  task?: number | string;
}

export interface DciOperation {
  id?: number;
  status?: string;
  status_info?: unknown;
  progress_info?: unknown[];
}

export interface DciIp {
  id: number;
  /** The address itself. */
  name: string;
  family?: string;
  gateway?: string | null;
  network?: string | null;
  domain?: string | null;
  status?: string;
  status_info?: unknown;
  type?: string;
}

export interface DciNamed {
  id: number;
  name?: string | null;
}

export interface DciServer {
  id: number;
  uuid?: string;
  name?: string;
  domain?: string | null;
  note?: string | null;
  user_note?: string | null;
  barcode?: string | null;
  serial_number?: string | null;
  mac?: string | null;
  state?: string;
  state_info?: string | null;
  power_status?: string;
  operation?: DciOperation | null;
  os_template?: { id: number; name?: string; tags?: string[] } | null;
  configuration?: string | null;
  generated_configuration?: string | null;
  custom_configuration?: string | null;
  is_custom_configuration?: boolean;
  hardware_info?: Record<string, unknown> | null;
  ip?: DciIp[];
  main_ipv4?: number | null;
  main_ipv6?: number | null;
  owner?: { id?: number; email?: string } | null;
  owner_email?: string | null;
  location?: { id: number; name?: string; geolocation?: string; userspace?: number } | null;
  location_id?: number | null;
  rack?: DciNamed | null;
  unit?: number | null;
  is_new?: boolean;
  has_errors?: boolean;
  diag_error?: unknown;
  ipmi?: Record<string, unknown> | null;
  pdu_connection?: unknown;
}

export interface DciConfiguration {
  configuration: string;
  free_server_count?: number;
}

export interface DciOsTemplate {
  id: number;
  name: string;
  tags?: string[];
}

export interface DciLocation {
  id: number;
  name: string;
  geolocation?: string;
  userspace?: number;
}

export interface DciIpnet {
  id: number;
  /** The network, usually in CIDR form. */
  name: string;
  /** 2/10 (address family numbers) or `ipv4`/`ipv6`. */
  family?: number | string;
  mask?: number;
  gateway?: string | null;
  userspace?: number;
  vlan?: string | number | null;
  note?: string | null;
  size?: string | number;
  using_ip?: string | number;
  total_ip?: string | number;
}

export interface DciUser {
  id: number;
  email: string;
}
