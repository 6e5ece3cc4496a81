import type { IpRecord, IpnetRecord, OperationRecord, ServerRecord } from './dcimanager-sim.model';
import type { DciSimState } from './dcimanager-sim.state';

// Wire shapes of docs/providers/dcimanager.md#the-server-object and
// docs/providers/dcimanager.md#addresses-and-networks (field names as DCImanager lists them).

/** Disks of a configuration code (`...-2x960SSD-2x4000HDD`): one entry per physical disk. */
export function disksOf(configuration: string): Array<{ sizeGb: number; type: string }> {
  const disks: Array<{ sizeGb: number; type: string }> = [];
  for (const part of configuration.split('-')) {
    const match = /^(?:(\d+)x)?(\d+)(SSD|HDD|NVMe|SAS)$/i.exec(part);
    if (!match) continue;
    for (let i = 0; i < Number(match[1] ?? 1); i++) disks.push({ sizeGb: Number(match[2]), type: match[3] });
  }
  return disks;
}

function hardwareInfo(server: ServerRecord): Record<string, unknown> {
  const parts = server.configuration.split('-');
  const ram = parts.findIndex((p) => /^\d+Gb$/i.test(p));
  if (ram < 0) return { motherboard: { model: 'X11SCL-F' } };
  return {
    motherboard: { model: 'X11SCL-F' },
    cpu: { model: parts.slice(0, ram).join('-'), count: 1 },
    memory: { total_mb: Number(parts[ram].slice(0, -2)) * 1024 },
    disk: disksOf(server.configuration).map((d, i) => ({
      name: `disk${i}`,
      size_gb: d.sizeGb,
      type: d.type,
    })),
  };
}

export function renderIp(state: DciSimState, ip: IpRecord): Record<string, unknown> {
  const net = state.ipnets.find((n) => n.id === ip.ipnetId);
  return {
    id: ip.id,
    name: ip.address,
    family: ip.family,
    gateway: net?.gateway ?? null,
    network: net?.name ?? null,
    domain: ip.domain,
    status: ip.status,
    status_info: ip.statusInfo,
    temporary: 0,
    type: 'common',
    vpu_net: null,
    vpu_vlan: null,
  };
}

function renderOperation(operation: OperationRecord | null): Record<string, unknown> | null {
  if (!operation) return null;
  return {
    id: operation.id,
    status: operation.status,
    status_info: operation.statusInfo,
    progress_info: operation.stages.map((stage) => ({ name: stage.name, status: stage.status })),
  };
}

function mainInfo(state: DciSimState, id: number | null): Record<string, unknown> {
  const ip = id === null ? undefined : state.ips.get(id);
  return {
    id: ip?.id ?? null,
    name: ip?.address ?? null,
    domain: ip?.domain ?? null,
    first: null,
    temporary: ip ? 0 : null,
  };
}

export function renderServer(state: DciSimState, server: ServerRecord): Record<string, unknown> {
  const owner = state.user(server.ownerId);
  const location = state.locations.find((l) => l.id === server.locationId)!;
  const template = state.osTemplates.find((t) => t.id === server.osTemplateId);
  const ips = [...state.ips.values()].filter((ip) => ip.serverId === server.id);
  return {
    id: server.id,
    uuid: server.uuid,
    name: server.name,
    domain: server.domain,
    note: server.note,
    user_note: server.userNote,
    barcode: server.barcode,
    serial_number: server.serialNumber,
    model: null,
    nomenclature: '',
    mac: server.mac,
    state: server.state,
    state_info: server.stateInfo,
    power_status: server.power,
    operation: renderOperation(server.operation),
    server_profile_operation: null,
    os_template: template ? { id: template.id, name: template.name, tags: template.tags } : null,
    configuration: server.configuration,
    generated_configuration: server.configuration,
    custom_configuration: null,
    is_custom_configuration: false,
    hardware_info: hardwareInfo(server),
    perform_info: {},
    settings: { efi: false },
    ip: ips.map((ip) => renderIp(state, ip)),
    main_ipv4: server.mainIpv4,
    main_ipv4_info: mainInfo(state, server.mainIpv4),
    main_ipv6: server.mainIpv6,
    main_ipv6_info: mainInfo(state, server.mainIpv6),
    switch_connection: server.switchPorts.map((port) => ({
      id: port.id,
      switch: port.switchId,
      switch_name: port.switchName,
      connection_id: port.id + 5000,
      description: port.description,
      admin_status: port.adminStatus,
      oper_status: port.operStatus,
      do_not_collect_traffic: 0,
      is_ipmi_connection: 0,
      hidden_connection: false,
      vlan: { vlan_id: port.vlanId, vlan_name: port.vlanName, vlan_owner: null },
    })),
    pdu_connection: [],
    ipmi: server.hasIpmi
      ? {
          id: server.id + 3000,
          address: `10.255.${server.locationId}.${server.id % 250}`,
          status: 'on',
          status_info: {},
          type: 'IPMI v2(lanplus)',
          web_url: null,
        }
      : null,
    intel_amt: null,
    pdu: null,
    owner: owner ? { id: owner.id, email: owner.email } : null,
    owner_email: owner?.email ?? null,
    location: {
      id: location.id,
      name: location.name,
      geolocation: location.geolocation,
      userspace: location.userspace,
    },
    location_id: location.id,
    rack: server.rack,
    unit: server.unit,
    chassis: { id: null, name: null, server_slot_count: null, size: null, unit: null },
    slot: null,
    platform: { id: 1, name: 'Rack 1U', size: 1, type: 'server' },
    is_new: server.isNew,
    has_errors: server.hasErrors,
    diag_error: null,
    exploitation_status: 'in_exploitation',
    warehouse_status: 'in_rack',
    warehouse_status_info: null,
    warehouse: null,
    reserved_to_date: null,
    price: null,
    warranty: null,
  };
}

export function renderIpnet(state: DciSimState, net: IpnetRecord): Record<string, unknown> {
  const used = [...state.ips.values()].filter((ip) => ip.ipnetId === net.id).length;
  const total = net.family === 2 ? 2 ** (32 - net.mask) - 2 : 2 ** Math.min(32, 128 - net.mask);
  return {
    id: net.id,
    name: net.name,
    family: net.family,
    mask: net.mask,
    gateway: net.gateway,
    userspace: net.userspace,
    vlan: net.vlan,
    note: net.note,
    size: String(total),
    using_ip: String(used),
    total_ip: String(total),
    ippool: net.poolId,
  };
}
