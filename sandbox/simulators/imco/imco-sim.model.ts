// Records the IMCO simulator keeps, in camelCase; imco-sim.render.ts writes them out in IMCO's snake_case.

/** The closed list of server states (docs/providers/imco.md#server-states); `setStates` may put any other. */
export type ServerState =
  | 'commissioning'
  | 'inactive'
  | 'booting'
  | 'bootstrapping'
  | 'operational'
  | 'stalled'
  | 'shutting_down'
  | 'decommissioning'
  | 'commission_stalled';

export type ApiVersion = 'v2' | 'v3';

export interface ServerRecord {
  id: string;
  name: string;
  state: string;
  fqdn: string | null;
  publicIp: string | null;
  privateIp: string | null;
  templateId: string;
  serverPlanId: string;
  cloudAccountId: string;
  sshProfileIds: string[];
  firewallProfileId: string;
  subnetId: string | null;
  vpcId: string | null;
  privateness: boolean;
  labelIds: string[];
  brownfieldState: string;
}

export interface VolumeRecord {
  id: string;
  name: string;
  size: number;
  state: string;
  device: string | null;
  storagePlanId: string;
  cloudAccountId: string;
  realmId: string;
  attachedServerId: string | null;
  remoteId: string | null;
  brownfield: boolean;
  labelIds: string[];
}

export interface VpcRecord {
  id: string;
  name: string;
  cidr: string;
  state: string;
  cloudAccountId: string;
  realmProviderName: string;
  hasVpn: boolean;
  brownfield: boolean;
  labelIds: string[];
}

export type SubnetType = 'only_public' | 'only_private' | 'public_and_private';

export interface SubnetRecord {
  id: string;
  name: string;
  cidr: string;
  state: string;
  type: SubnetType;
  vpcId: string;
  serverCreationDisabled: boolean;
  brownfield: boolean;
}

export interface FloatingIpRecord {
  id: string;
  name: string;
  address: string;
  state: string;
  cloudAccountId: string;
  realmId: string;
  attachedServerId: string | null;
  remoteId: string | null;
  brownfield: boolean;
  labelIds: string[];
}

export interface SshProfileRecord {
  id: string;
  name: string;
  publicKey: string;
  labelIds: string[];
}

export interface FirewallRule {
  name: string;
  protocol: 'TCP' | 'UDP';
  minPort: number;
  maxPort: number;
  source: string;
}

export interface FirewallProfileRecord {
  id: string;
  name: string;
  description: string;
  isDefault: boolean;
  rules: FirewallRule[];
  labelIds: string[];
}

/** The template states of the IMCO v3 docs; `setStates` may put any other string. */
export type TemplateState = 'created' | 'compiling' | 'ready' | 'compiling_error';

/** `cookbook_versions`: cookbook name → its version fields (`version`, `version_id`), kept as sent. */
export type CookbookVersions = Record<string, Record<string, unknown>>;

export interface TemplateRecord {
  id: string;
  name: string;
  genericImageId: string;
  state: string;
  runList: string[];
  cookbookVersions: CookbookVersions;
  configurationAttributes: Record<string, unknown>;
  labelIds: string[];
}

export interface LabelRecord {
  id: string;
  name: string;
  namespace: string | null;
  value: string | null;
}

export type EventLevel = 'info' | 'warning' | 'error';

export interface EventRecord {
  id: string;
  timestamp: string;
  level: EventLevel;
  header: string;
  description: string;
  /** The server it concerns (events carry no subject field; `/cloud/servers/{id}/events` filters by it). */
  serverId: string | null;
  system: boolean;
}

export interface CloudProvider {
  id: string;
  name: string;
}

export interface Location {
  id: string;
  name: string;
}

export interface Realm {
  id: string;
  name: string;
  locationId: string;
  cloudProviderId: string;
  providerName: string;
  deprecated: boolean;
}

export interface ServerPlan {
  id: string;
  name: string;
  memory: number;
  cpus: number;
  storage: number;
  realmId: string;
  flavourProviderName: string;
}

export interface StoragePlan {
  id: string;
  name: string;
  minSize: number;
  maxSize: number;
  realmId: string;
  flavourProviderName: string;
  deprecated: boolean;
}

export interface GenericImage {
  id: string;
  name: string;
}

export interface CloudAccount {
  id: string;
  name: string;
  cloudProviderId: string;
  subscriptionId: string;
  remoteId: string;
  state: string;
  errorEventId: string | null;
}

/** What cannot be created through the API: providers, realms, plans, images, accounts. */
export interface Catalog {
  cloudProviders: CloudProvider[];
  locations: Location[];
  realms: Realm[];
  serverPlans: ServerPlan[];
  storagePlans: StoragePlan[];
  genericImages: GenericImage[];
  cloudAccounts: CloudAccount[];
}

export interface Seed {
  catalog: Catalog;
  servers: ServerRecord[];
  volumes: VolumeRecord[];
  vpcs: VpcRecord[];
  subnets: SubnetRecord[];
  floatingIps: FloatingIpRecord[];
  sshProfiles: SshProfileRecord[];
  firewallProfiles: FirewallProfileRecord[];
  templates: TemplateRecord[];
  labels: LabelRecord[];
  events: EventRecord[];
}
