import {
  ImcoCloudAccount,
  ImcoFloatingIp,
  ImcoGenericImage,
  ImcoMarkable,
  ImcoRealm,
  ImcoServer,
  ImcoServerPlan,
  ImcoSubnet,
  ImcoTemplate,
  ImcoVolume,
  ImcoVpc,
  usableId,
} from './wire';
import { ofType, checked } from '../../kit/wire';

// The wire checks against objects shaped like IMCO's documented field tables (docs/providers/imco.md#servers and
// the sections after it: v3 and v2 servers, nulls where the docs allow them) with our own values, and against
// the defects of issue 12.

const id = (n: number) => `620b61d27f8081000a9783${String(n).padStart(2, '0')}`;

const serverV3 = {
  id: id(1),
  name: 'web-1',
  fqdn: 'web-1.example.test',
  state: 'operational',
  public_ip: '203.0.113.10',
  private_ip: '10.0.0.4',
  template_id: id(2),
  server_plan_id: id(3),
  cloud_account_id: id(4),
  ssh_profile_id: id(5),
  ssh_profile_ids: [id(5)],
  firewall_profile_id: id(6),
  brownfield_state: 'Pure',
  server_array_id: null,
  subnet_id: id(7),
  vpc_id: id(8),
  privateness: false,
  resource_type: 'server',
  label_ids: [],
};
/** v2: no `ssh_profile_ids`, no `brownfield_state`; the addresses of a server not booted yet are null. */
const serverV2 = {
  ...serverV3,
  ssh_profile_ids: undefined,
  brownfield_state: undefined,
  public_ip: null,
  private_ip: null,
  state: 'inactive',
};
const volume = {
  id: id(10),
  name: 'data',
  size: 50,
  state: 'attached',
  device: '/dev/sdb',
  storage_plan_id: id(11),
  cloud_account_id: id(4),
  realm_id: id(12),
  attached_server_id: id(1),
  remote_id: 'vol-0abc',
  desired_remote_id: null,
  brownfield: false,
  resource_type: 'volume',
  label_ids: [id(13)],
};
const floatingIp = {
  id: id(20),
  name: 'fip',
  address: '198.51.100.20',
  state: 'attached',
  cloud_account_id: id(4),
  realm_id: id(12),
  attached_server_id: null,
  brownfield: false,
  resource_type: 'floating_ip',
  label_ids: [],
};
const vpc = {
  id: id(30),
  name: 'net',
  cidr: '10.0.0.0/16',
  state: 'active',
  cloud_account_id: id(4),
  realm_provider_name: 'eastus',
  has_vpn: false,
  allowed_subnet_types: ['only_public', 'only_private', 'public_and_private'],
  brownfield: false,
  resource_type: 'vpc',
  label_ids: [],
};
const subnet = {
  id: id(31),
  name: 'net-a',
  cidr: '10.0.1.0/24',
  state: 'active',
  type: 'public_and_private',
  vpc_id: id(30),
  server_creation_disabled: false,
  resource_type: 'subnet',
  brownfield: false,
};
const plan = {
  id: id(3),
  name: 'small',
  memory: 2048,
  cpus: 0.5,
  storage: 20,
  location_id: id(40),
  realm_id: id(12),
  realm_provider_name: 'eastus',
  flavour_provider_name: 'B1s',
  cloud_provider_id: id(41),
};

describe('IMCO wire checks', () => {
  it('should accept objects shaped like the documented ones, v3 and v2', () => {
    expect(ImcoServer.is(serverV3)).toBe(true);
    expect(ImcoServer.is(JSON.parse(JSON.stringify(serverV2)))).toBe(true);
    expect(ImcoVolume.is(volume)).toBe(true);
    expect(ImcoVolume.is({ ...volume, size: '50', attached_server_id: null, device: null })).toBe(true);
    expect(ImcoFloatingIp.is(floatingIp)).toBe(true);
    expect(ImcoVpc.is(vpc)).toBe(true);
    expect(ImcoSubnet.is(subnet)).toBe(true);
    expect(ImcoSubnet.is({ id: id(32) })).toBe(true);
    expect(ImcoServerPlan.is(plan)).toBe(true);
    expect(
      ImcoTemplate.is({ id: id(2), name: 'ubuntu', generic_image_id: id(50), state: 'ready', run_list: [] }),
    ).toBe(true);
    expect(ImcoGenericImage.is({ id: id(50), name: 'Ubuntu 22.04' })).toBe(true);
    expect(ImcoRealm.is({ id: id(12), name: 'East US', provider_name: 'eastus', deprecated: false })).toBe(
      true,
    );
    expect(ImcoCloudAccount.is({ id: id(4), cloud_provider_id: id(41), state: 'idle' })).toBe(true);
    // Fields nobody reads are not checked: IMCO may add or change them.
    expect(ImcoServer.is({ ...serverV3, resource_type: 7, workspace_id: {} })).toBe(true);
  });

  it('should refuse the defects of issue 12 with a reason naming the field', () => {
    expect(ImcoServer.explain(null)).toMatch(/^\(root\): /);
    expect(ImcoServer.explain({ ...serverV3, name: undefined })).toMatch(/^\/name: /);
    expect(ImcoServer.explain({ ...serverV3, name: 7 })).toMatch(/^\/name: /);
    expect(ImcoServer.explain({ ...serverV3, label_ids: 'x' })).toMatch(/\/label_ids/);
    expect(ImcoServer.explain({ ...serverV3, ssh_profile_ids: [1] })).toMatch(/\/ssh_profile_ids/);
    expect(ImcoServer.explain({ ...serverV3, privateness: 'x' })).toMatch(/\/privateness/);
    expect(ImcoServer.explain({ ...serverV3, public_ip: 7 })).toMatch(/\/public_ip/);
    expect(ImcoServer.explain({ ...serverV3, public_ip: 'x'.repeat(100) })).toMatch(/\/public_ip/);
    expect(ImcoServer.explain({ ...serverV3, state: 42 })).toMatch(/\/state/);
    expect(ImcoVolume.explain({ ...volume, size: 'lots' })).toMatch(/\/size/);
    expect(ImcoVolume.explain({ ...volume, size: -1 })).toMatch(/\/size/);
    expect(ImcoFloatingIp.explain({ ...floatingIp, address: {} })).toMatch(/\/address/);
    expect(ImcoVpc.explain({ ...vpc, has_vpn: 'yes' })).toMatch(/\/has_vpn/);
    expect(ImcoSubnet.explain({ ...subnet, server_creation_disabled: 1 })).toMatch(
      /\/server_creation_disabled/,
    );
    expect(ImcoServerPlan.explain({ ...plan, cpus: '2' })).toMatch(/\/cpus/);
  });

  it('should refuse ids that are missing, too long, or not safe in a gateway id', () => {
    expect(ImcoServer.explain({ ...serverV3, id: undefined })).toMatch(/^\/id: /);
    expect(ImcoServer.explain({ ...serverV3, id: 12 })).toMatch(/^\/id: /);
    expect(ImcoServer.explain({ ...serverV3, id: '' })).toMatch(/^\/id: /);
    expect(ImcoServer.explain({ ...serverV3, id: 'a'.repeat(65) })).toMatch(/^\/id: /);
    expect(ImcoServer.explain({ ...serverV3, id: '..' })).toMatch(/^\/id: /);
    expect(ImcoServer.explain({ ...serverV3, id: 'a/b' })).toMatch(/^\/id: /);
    // Other objects' ids become gateway ids too; an empty one means none.
    expect(ImcoServer.explain({ ...serverV3, template_id: '../x' })).toMatch(/\/template_id/);
    expect(ImcoServer.is({ ...serverV3, template_id: '', vpc_id: null })).toBe(true);
    expect(ImcoVolume.explain({ ...volume, attached_server_id: 'a b' })).toMatch(/\/attached_server_id/);
  });

  it('should keep what a crash-safe create reads, whatever else is wrong', () => {
    expect(ImcoMarkable.is({ ...serverV3, name: 7 })).toBe(false);
    expect(ImcoMarkable.is({ id: id(1), state: 42, label_ids: [id(9)] })).toBe(true);
    expect(ofType([null, { id: id(1) }, { name: 'x' }], ImcoMarkable)).toEqual([{ id: id(1) }]);
  });

  it('should answer 502 for a single malformed item, and name items by a usable id', () => {
    expect(() => checked({ ...serverV3, name: null }, ImcoServer)).toThrow(
      expect.objectContaining({
        code: 'provider_error',
        status: 502,
        retryable: false,
        message: expect.stringContaining('malformed IMCO server: /name'),
      }),
    );
    expect(checked(serverV3, ImcoServer)).toBe(serverV3);
    expect(usableId({ id: id(1) })).toBe(id(1));
    expect(usableId({ id: 7 })).toBeNull();
    expect(usableId({ id: 'x'.repeat(65) })).toBeNull();
    expect(usableId(null)).toBeNull();
  });
});
