import type {
  ApiVersion,
  CloudAccount,
  EventRecord,
  FirewallProfileRecord,
  FloatingIpRecord,
  LabelRecord,
  Realm,
  ServerPlan,
  ServerRecord,
  SshProfileRecord,
  StoragePlan,
  SubnetRecord,
  TemplateRecord,
  VolumeRecord,
  VpcRecord,
} from './imco-sim.model';
import type { ImcoSimState } from './imco-sim.state';

// Records as IMCO writes them: flat snake_case objects with `resource_type`; v2 lacks the v3 additions.

type Json = Record<string, unknown>;

export function renderServer(version: ApiVersion, server: ServerRecord): Json {
  return {
    id: server.id,
    name: server.name,
    fqdn: server.fqdn,
    state: server.state,
    public_ip: server.publicIp,
    private_ip: server.privateIp,
    template_id: server.templateId,
    server_plan_id: server.serverPlanId,
    cloud_account_id: server.cloudAccountId,
    // Deprecated since platform 9 but still sent: the first of `ssh_profile_ids`.
    ssh_profile_id: server.sshProfileIds[0] ?? null,
    ...(version === 'v3'
      ? { ssh_profile_ids: server.sshProfileIds, brownfield_state: server.brownfieldState }
      : {}),
    firewall_profile_id: server.firewallProfileId,
    server_array_id: null,
    subnet_id: server.subnetId,
    vpc_id: server.vpcId,
    privateness: server.privateness,
    resource_type: 'server',
    label_ids: server.labelIds,
  };
}

export function renderVolume(version: ApiVersion, volume: VolumeRecord): Json {
  return {
    id: volume.id,
    name: volume.name,
    size: volume.size,
    state: volume.state,
    device: volume.device,
    storage_plan_id: volume.storagePlanId,
    cloud_account_id: volume.cloudAccountId,
    realm_id: volume.realmId,
    attached_server_id: volume.attachedServerId,
    remote_id: volume.remoteId,
    ...(version === 'v3' ? { desired_remote_id: null } : {}),
    brownfield: volume.brownfield,
    resource_type: 'volume',
    label_ids: volume.labelIds,
  };
}

export function renderVpc(vpc: VpcRecord): Json {
  return {
    id: vpc.id,
    name: vpc.name,
    cidr: vpc.cidr,
    state: vpc.state,
    cloud_account_id: vpc.cloudAccountId,
    realm_provider_name: vpc.realmProviderName,
    has_vpn: vpc.hasVpn,
    allowed_subnet_types: ['only_public', 'only_private', 'public_and_private'],
    brownfield: vpc.brownfield,
    resource_type: 'vpc',
    label_ids: vpc.labelIds,
  };
}

export function renderSubnet(subnet: SubnetRecord): Json {
  return {
    id: subnet.id,
    name: subnet.name,
    cidr: subnet.cidr,
    state: subnet.state,
    type: subnet.type,
    vpc_id: subnet.vpcId,
    server_creation_disabled: subnet.serverCreationDisabled,
    brownfield: subnet.brownfield,
    resource_type: 'subnet',
  };
}

export function renderFloatingIp(version: ApiVersion, ip: FloatingIpRecord): Json {
  return {
    id: ip.id,
    name: ip.name,
    address: ip.address,
    state: ip.state,
    cloud_account_id: ip.cloudAccountId,
    realm_id: ip.realmId,
    attached_server_id: ip.attachedServerId,
    ...(version === 'v3' ? { desired_remote_id: null } : {}),
    brownfield: ip.brownfield,
    resource_type: 'floating_ip',
    label_ids: ip.labelIds,
  };
}

/** The docs' SSH-profile responses carry no private key (docs/providers/imco.md#ssh-and-firewall-profiles). */
export function renderSshProfile(profile: SshProfileRecord): Json {
  return {
    id: profile.id,
    name: profile.name,
    public_key: profile.publicKey,
    resource_type: 'ssh_profile',
    label_ids: profile.labelIds,
  };
}

/** Rules as the docs name them (`protocol`); the CLI's `ip_protocol` is sent too, as older platforms did. */
export function renderFirewallProfile(profile: FirewallProfileRecord): Json {
  return {
    id: profile.id,
    name: profile.name,
    description: profile.description,
    default: profile.isDefault,
    rules: profile.rules.map((rule) => ({
      name: rule.name,
      protocol: rule.protocol,
      ip_protocol: rule.protocol.toLowerCase(),
      min_port: rule.minPort,
      max_port: rule.maxPort,
      source: rule.source,
    })),
    resource_type: 'firewall_profile',
    label_ids: profile.labelIds,
  };
}

export function renderTemplate(template: TemplateRecord): Json {
  return {
    id: template.id,
    name: template.name,
    generic_image_id: template.genericImageId,
    state: template.state,
    run_list: template.runList,
    cookbook_versions: template.cookbookVersions,
    configuration_attributes: template.configurationAttributes,
    resource_type: 'template',
    label_ids: template.labelIds,
  };
}

export function renderLabel(label: LabelRecord): Json {
  return {
    id: label.id,
    name: label.name,
    resource_type: 'label',
    namespace: label.namespace,
    value: label.value,
  };
}

export function renderEvent(event: EventRecord): Json {
  return {
    id: event.id,
    timestamp: event.timestamp,
    level: event.level,
    header: event.header,
    description: event.description,
    resource_type: 'event',
  };
}

/** v3 adds `state`/`error_event_id`; v2 had the discovery timestamps instead. */
export function renderCloudAccount(version: ApiVersion, account: CloudAccount): Json {
  const common = {
    id: account.id,
    name: account.name,
    cloud_provider_id: account.cloudProviderId,
    supports_importing: true,
    supports_importing_vpcs: true,
    supports_importing_floating_ips: true,
    supports_importing_volumes: true,
    resource_type: 'cloud_account',
  };
  if (version === 'v2')
    return { ...common, last_discovered_at: '2024-05-01T00:00:00.000Z', last_discovery_failed_at: null };
  return {
    ...common,
    subscription_id: account.subscriptionId,
    remote_id: account.remoteId,
    state: account.state,
    error_event_id: account.errorEventId,
  };
}

export function renderRealm(realm: Realm): Json {
  return {
    id: realm.id,
    name: realm.name,
    location_id: realm.locationId,
    cloud_provider_id: realm.cloudProviderId,
    provider_name: realm.providerName,
    deprecated: realm.deprecated,
    resource_type: 'realm',
  };
}

export function renderServerPlan(state: ImcoSimState, plan: ServerPlan): Json {
  const realm = state.catalog.realms.find((r) => r.id === plan.realmId)!;
  return {
    id: plan.id,
    name: plan.name,
    memory: plan.memory,
    cpus: plan.cpus,
    storage: plan.storage,
    location_id: realm.locationId,
    realm_id: realm.id,
    realm_provider_name: realm.providerName,
    flavour_provider_name: plan.flavourProviderName,
    cloud_provider_id: realm.cloudProviderId,
    resource_type: 'server_plan',
  };
}

export function renderStoragePlan(state: ImcoSimState, plan: StoragePlan): Json {
  const realm = state.catalog.realms.find((r) => r.id === plan.realmId)!;
  return {
    id: plan.id,
    name: plan.name,
    min_size: plan.minSize,
    max_size: plan.maxSize,
    cloud_provider_id: realm.cloudProviderId,
    location_id: realm.locationId,
    realm_id: realm.id,
    realm_provider_name: realm.providerName,
    flavour_provider_name: plan.flavourProviderName,
    deprecated: plan.deprecated,
    resource_type: 'storage_plan',
  };
}
