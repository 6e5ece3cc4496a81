import { mapListed, mapOne } from '../../kit/wire';
import { toServer } from '../model/mapper';
import {
  CONFIGURATION,
  IP,
  IPNET,
  LOCATION,
  OS_TEMPLATE,
  SERVER,
  SERVER_ADDRESS,
  SERVER_ADDRESSES,
  SERVER_DISKS,
  USER,
  beyondLimit,
} from './wire';
import { validItems } from '../../kit/wire';

// Payloads shaped like the recorded 2023 production server list, the docs' configuration and user lists, and the
// documented operation and IPmanager shapes (docs/providers/dcimanager.md#the-server-object,
// docs/providers/dcimanager.md#evidence-marks): same fields, types and nesting, other values.
const address = (id: number, name: string) => ({
  domain: `h${id}.example.test`,
  family: 'ipv4',
  gateway: '198.51.100.254',
  id,
  name,
  network: '198.51.100.0/24',
  status: 'ok',
  status_info: null,
  temporary: 0,
  type: 'common',
  vpu_net: null,
  vpu_vlan: null,
});

const recordedServer = {
  barcode: 'bc0001',
  chassis: { id: null, name: null, server_slot_count: null, size: null, unit: null },
  configuration: '',
  custom_configuration: null,
  diag_error: null,
  domain: 'bc0001.example.test',
  exploitation_status: 'in_exploitation',
  generated_configuration: '',
  has_errors: false,
  id: 4001,
  intel_amt: null,
  ip: [address(20001, '198.51.100.20'), address(20002, '203.0.113.20')],
  ipmi: null,
  is_custom_configuration: false,
  is_new: false,
  location: { geolocation: 'Somewhere, Some street 1', id: 4, name: 'DC One', userspace: 3 },
  location_id: 4,
  mac: null,
  main_ipv4: 20001,
  main_ipv4_info: {
    domain: 'bc0001.example.test',
    first: 1e39,
    id: 20001,
    name: '198.51.100.20',
    temporary: 0,
  },
  main_ipv6: null,
  main_ipv6_info: { domain: null, first: null, id: null, name: null, temporary: null },
  model: null,
  name: 'bc0001',
  nomenclature: '',
  note: '',
  operation: null,
  os_template: null,
  owner: { email: 'owner@example.test', id: 77 },
  owner_email: 'owner@example.test',
  pdu: null,
  pdu_connection: [
    { connection_id: 1, identity: '20', pdu_id: 2, pdu_name: 'pdu_1', port_id: 3, power_status: 'up' },
  ],
  platform: { id: 5, name: 'Colocation 1U', size: 1, type: 'server' },
  power_status: 'on',
  price: null,
  rack: { id: 6, name: 'RACK-1', size: 48 },
  reserved_to_date: null,
  serial_number: null,
  server_profile_operation: null,
  settings: null,
  slot: null,
  state: 'ok',
  state_info: null,
  switch_connection: [
    {
      admin_status: 'up',
      connection_id: 7,
      description: 'GigabitEthernet0/1',
      do_not_collect_traffic: 0,
      hidden_connection: false,
      id: 8,
      is_ipmi_connection: 0,
      oper_status: 'up',
      switch: 9,
      switch_name: 'sw-1',
      vlan: { vlan_id: 1200, vlan_name: 'Dedic', vlan_owner: null },
    },
  ],
  unit: 3,
  user_note: '',
  uuid: '00000000-0000-4000-8000-000000004001',
  warehouse: null,
  warehouse_status: 'in_rack',
  warehouse_status_info: null,
  warranty: null,
};

/** The second recorded server: power unknown, no PDU, two switch ports. */
const recordedServer2 = {
  ...recordedServer,
  id: 4002,
  name: 'bc0002',
  power_status: 'unknown',
  pdu_connection: [],
  switch_connection: [recordedServer.switch_connection[0], recordedServer.switch_connection[0]],
  main_ipv4: 20003,
  ip: [address(20003, '198.51.100.21')],
};

/** A server of the documented schema: installing, with an operation, a template and a configuration. */
const installing = {
  ...recordedServer,
  id: 4003,
  configuration: 'E-2146G-64Gb-1920SSD-3840SSD',
  generated_configuration: 'E-2146G-64Gb-1920SSD-3840SSD',
  os_template: { id: 11, name: 'Debian 12', tags: ['linux', 'debian'] },
  operation: { id: 12, status: 'running', status_info: {}, progress_info: [{ name: 'os', status: 'done' }] },
  user_note: 'web-1',
  hardware_info: { motherboard: { model: 'X11' } },
  settings: { efi: false },
};

/** A copy without one field, as a backend that leaves it out sends it. */
const without = (object: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(object).filter(([key]) => key !== field));

describe('DCImanager wire types', () => {
  it('should accept payloads shaped like the recorded server list, configurations and users', () => {
    for (const server of [recordedServer, recordedServer2, installing]) {
      expect(SERVER.explain(server)).toBe('not valid');
      expect([SERVER, SERVER_DISKS, SERVER_ADDRESSES].every((type) => type.is(server))).toBe(true);
      for (const ip of server.ip) expect(SERVER_ADDRESS.is({ server, ip })).toBe(true);
      expect(LOCATION.is(server.location)).toBe(true);
    }
    expect(CONFIGURATION.is({ configuration: 'i7-8700-64Gb-2x1024NVMe', free_server_count: 7 })).toBe(true);
    expect(USER.is({ id: 0, email: 'string', server_count: 0, roles: '[@user]', vlans_per_user: 5 })).toBe(
      true,
    );
    expect(OS_TEMPLATE.is(installing.os_template)).toBe(true);
    const ipnets = [
      {
        id: 1,
        name: '198.51.100.0/24',
        family: 2,
        gateway: '198.51.100.1',
        vlan: '210',
        note: '',
        total_ip: '256',
      },
      { id: 2, name: '2001:db8::', mask: 64, family: 'ipv6', vlan: null, userspace: 2, using_ip: 3 },
    ];
    for (const net of ipnets) expect(IPNET.is(net)).toBe(true);
  });

  it('should refuse the same defects as CloudMC answers had, with reasons naming the field', async () => {
    const defects = [
      null,
      { ...recordedServer, id: 4090, name: 5 },
      { ...recordedServer, id: 4091, ip: 'x' },
      { ...recordedServer, id: 4092, ip: [null] },
      { ...recordedServer, id: 4093, ip: [without(address(1, '198.51.100.1'), 'name')] },
      { ...recordedServer, id: 4094, operation: 'x' },
      { ...recordedServer, id: 4095, owner_email: 7 },
      { ...recordedServer, id: 4096, user_note: ['a'] },
      { ...recordedServer, id: 'abc' },
      without(recordedServer, 'id'),
    ];
    const { valid, skipped } = await validItems([recordedServer, ...defects], SERVER);
    expect(valid).toEqual([recordedServer]);
    expect(skipped).toEqual([
      { nativeId: null, reason: expect.stringContaining('not a DCImanager server: (root)') },
      { nativeId: '4090', reason: expect.stringContaining('/name') },
      { nativeId: '4091', reason: expect.stringContaining('/ip') },
      { nativeId: '4092', reason: expect.stringContaining('/ip') },
      { nativeId: '4093', reason: expect.stringContaining('/ip') },
      { nativeId: '4094', reason: expect.stringContaining('/operation') },
      { nativeId: '4095', reason: expect.stringContaining('/owner_email') },
      { nativeId: '4096', reason: expect.stringContaining('/user_note') },
      { nativeId: 'abc', reason: expect.stringContaining('/id') },
      { nativeId: null, reason: expect.stringMatching(/\/id: Expected required property/) },
    ]);
    expect(IP.explain(without(address(1, '198.51.100.1'), 'name'))).toMatch(/\/name: Expected required/);
    expect(IP.explain({ ...address(1, '198.51.100.1'), name: 'x\u0000' })).toContain('/name');
    expect(SERVER_ADDRESS.explain({ server: recordedServer, ip: { id: 1, name: 9 } })).toContain('/ip/name');
    expect(SERVER_ADDRESSES.explain({ ...recordedServer, ip: 'x' })).toContain('/ip');
    expect(SERVER_DISKS.explain({ ...recordedServer, configuration: 42 })).toContain('/configuration');
    expect(IPNET.explain({ id: 1 })).toContain('/name');
    expect(IPNET.explain({ id: 1, name: '10.0.0.0', mask: '24' })).toContain('/mask');
    expect(CONFIGURATION.explain({ configuration: 42 })).toContain('/configuration');
    expect(USER.explain({ id: 1 })).toContain('/email');
  });

  it('should list the other servers of an answer with defects, and clean the names backends send', async () => {
    const ctx = { onUnknownState: () => undefined };
    const answer = [
      { ...recordedServer, id: 4091, ip: 'x' },
      // NUL and escape bytes, and the replacement characters invalid UTF-8 decodes to.
      { ...installing, user_note: 'web\u0000-1\u001b\ufffd\ufffd\nsecond line' },
      null,
    ];
    const { items, skipped } = await mapListed(answer, SERVER, (raw) => toServer(ctx, raw), {
      maxItems: 100,
    });
    expect(items.map((s) => [s.nativeId, s.name])).toEqual([['4003', 'web-1']]);
    expect(skipped.map((s) => s.nativeId)).toEqual(['4091', null]);
    expect(() => mapOne(answer[0], SERVER, (raw) => toServer(ctx, raw))).toThrow(
      expect.objectContaining({
        status: 502,
        code: 'provider_error',
        message: expect.stringContaining('/ip'),
      }),
    );
  });

  it('should say what a list left unread because of maxListItems', () => {
    const items = [1, 2];
    expect(beyondLimit({ items, total: 2 }, 2, 'servers')).toEqual([]);
    expect(beyondLimit({ items, total: 9 }, 3, 'servers')).toEqual([]);
    expect(beyondLimit({ items, total: 9 }, 2, 'servers')).toEqual([
      { nativeId: null, reason: 'DCImanager holds 9 servers; the first 2 are read (maxListItems)' },
    ]);
    expect(beyondLimit({ items, total: undefined }, 2, 'servers')[0].reason).toMatch(/may hold more/);
  });
});
