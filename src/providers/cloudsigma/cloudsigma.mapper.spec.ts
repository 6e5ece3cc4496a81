import { parseObject, parseObjects } from './cloudsigma.codec';
import { attachmentFrom, freeBlockSlot, holderOf } from './cloudsigma-devices';
import {
  customPlan,
  type MapContext,
  toImage,
  toIpAddress,
  toNetwork,
  toServer,
  toVolume,
} from './cloudsigma.mapper';

// Payloads shaped like the manual's and the reference's examples (servers 8.6/8.7, drives 7.6/7.7, resources 9.x).

const S1 = '11111111-aaaa-4bbb-8ccc-000000000001';
const D1 = '22222222-aaaa-4bbb-8ccc-000000000001';
const D2 = '22222222-aaaa-4bbb-8ccc-000000000002';
const CD = '33333333-aaaa-4bbb-8ccc-000000000003';
const V1 = '44444444-aaaa-4bbb-8ccc-000000000004';
const IMG = '55555555-aaaa-4bbb-8ccc-000000000005';

let unknown: string[];
const ctx = (): MapContext => ({
  connection: 'cs-zrh',
  location: { id: 'zrh', name: 'Zurich' },
  onUnknownState: (resource, raw) => unknown.push(`${resource}:${raw}`),
});

const running = parseObject(
  [
    `server ${S1}`,
    'status active',
    'name dbserver 1',
    'cpu 4000',
    'smp 2',
    'mem 2048',
    'persistent true',
    `ide:0:0 ${D1}`,
    'ide:0:0:media disk',
    'ide:0:0:read:bytes 8192',
    `block:0 ${D2}`,
    `ide:1:0 ${CD}`,
    'ide:1:0:media cdrom',
    'boot ide:0:0',
    'nic:0:model virtio',
    'nic:0:dhcp 203.0.113.10',
    'nic:1:model e1000',
    `nic:1:vlan ${V1}`,
    'nic:1:mac 02:00:00:aa:bb:cc',
    'vnc:ip 203.0.113.10',
    'vnc:password Secr3t!!',
    'started 1700000000',
    'user:gwtask gw0123456789',
    `user:gwimage ${IMG}`,
    'user:owner team-b',
    'rx 1000',
  ].join('\n'),
);

beforeEach(() => {
  unknown = [];
});

describe('toServer', () => {
  it('should normalize a running server: MHz, MB, cores, address, drives, VLAN, image and epoch seconds', () => {
    const server = toServer(ctx(), running);
    expect(server).toMatchObject({
      id: `cs-zrh:${S1}`,
      providerKind: 'cloudsigma',
      name: 'dbserver 1',
      state: 'running',
      providerState: 'active',
      cpuCores: 2,
      cpuMhz: 4000,
      memoryMb: 2048,
      planId: 'cs-zrh:medium',
      imageId: `cs-zrh:${IMG}`,
      locationId: 'cs-zrh:zrh',
      ipAddresses: [{ address: '203.0.113.10', version: 4, public: true }],
      volumeIds: [`cs-zrh:${D1}`, `cs-zrh:${D2}`],
      networkIds: [`cs-zrh:${V1}`],
    });
    expect(server.extra).toMatchObject({
      persistent: true,
      startedAt: '2023-11-14T22:13:20.000Z',
      boot: ['ide:0:0'],
      metadata: { owner: 'team-b' },
      vncIp: '203.0.113.10',
    });
  });

  it('should never leak the VNC password or the gateway marker keys into extra', () => {
    const text = JSON.stringify(toServer(ctx(), running));
    expect(text).not.toContain('Secr3t');
    expect(text).not.toContain('gw0123456789');
  });

  it('should show a stopped server with nic:0:dhcp auto and smp auto as stopped without an address', () => {
    const server = toServer(
      ctx(),
      parseObject(
        `server ${S1}\nstatus stopped\nname Clone\ncpu 2000\nmem 2048\nsmp auto\nnic:0:dhcp auto\nvnc:ip auto\n`,
      ),
    );
    expect(server).toMatchObject({
      state: 'stopped',
      cpuCores: null,
      cpuMhz: 2000,
      ipAddresses: [],
      planId: null,
    });
    expect(server.extra.smp).toBe('auto');
  });

  it('should map dumped and dead to error keeping the raw value, and unknown statuses to unknown', () => {
    expect(toServer(ctx(), parseObject(`server ${S1}\nstatus dumped\n`))).toMatchObject({
      state: 'error',
      providerState: 'dumped',
    });
    expect(toServer(ctx(), parseObject(`server ${S1}\nstatus frozen\n`))).toMatchObject({
      state: 'unknown',
      providerState: 'frozen',
    });
    expect(unknown).toEqual(['server:frozen']);
  });
});

describe('toVolume and attachments', () => {
  const servers = [running];

  it('should convert bytes to GiB and find the attachment from the server configuration', () => {
    const drive = parseObject(
      `drive ${D1}\nstatus active\nname root\nsize 21474836480\ntype disk\nos linux\n`,
    );
    const volume = toVolume(ctx(), drive, attachmentFrom(drive, servers));
    expect(volume).toMatchObject({
      id: `cs-zrh:${D1}`,
      sizeGb: 20,
      state: 'in-use',
      serverId: `cs-zrh:${S1}`,
      bootable: true,
      providerState: 'active',
    });
    expect(volume.extra.device).toBe('ide:0:0');
  });

  it('should take the attachment from a guest claim when no listed server has the drive', () => {
    const drive = parseObject(
      `drive ${D2}\nstatus active\nname data\nsize 5368709120\nclaimed h-9:guest:${S1}:block:3\n`,
    );
    expect(attachmentFrom(drive, [])).toEqual({ serverId: S1, device: 'block:3', boot: false });
  });

  it('should show a copying drive as creating with its progress, and a free data drive as available', () => {
    const copying = parseObject(
      `drive ${D2}\nstatus active\nname boot\nsize 1073741824\nimaging 35%\nclaimed h-1:imaging\n`,
    );
    expect(toVolume(ctx(), copying, attachmentFrom(copying, []))).toMatchObject({
      state: 'creating',
      serverId: null,
      extra: { imaging: '35%', progress: 35 },
    });
    const free = parseObject(`drive ${D2}\nstatus active\nname data\nsize 12582912\ntags affinity:ssd\n`);
    expect(toVolume(ctx(), free, null)).toMatchObject({
      state: 'available',
      sizeGb: 0.012,
      bootable: false,
      extra: { ssd: true },
    });
  });

  it('should offer the first free block slot', () => {
    expect(freeBlockSlot(running)).toBe('block:1');
  });
});

describe('VLANs, static IPs, images and plans', () => {
  it('should strip the gateway marker from a VLAN name and use its UUID as the vlan', () => {
    const network = toNetwork(ctx(), parseObject(`resource ${V1}\ntype vlan\nname backend-gw0123456789\n`));
    expect(network).toMatchObject({ name: 'backend', state: 'available', vlan: V1, cidr: null });
  });

  it('should key a static IP by its address and show which server holds it', () => {
    const [ip] = parseObjects(
      'resource 203.0.113.10\ntype ip\nnetmask 255.255.255.0\ngateway 203.0.113.1\nnameserver 203.0.113.2 203.0.113.3\n',
    );
    const holder = holderOf('203.0.113.10', [running]);
    expect(holder).toEqual({ serverId: S1, key: 'nic:0:dhcp' });
    expect(toIpAddress(ctx(), ip, holder!.serverId)).toMatchObject({
      id: 'cs-zrh:203.0.113.10',
      address: '203.0.113.10',
      state: 'attached',
      serverId: `cs-zrh:${S1}`,
      extra: { nameservers: ['203.0.113.2', '203.0.113.3'] },
    });
    expect(holderOf('203.0.113.99', [running])).toBeNull();
  });

  it('should show a library disk as an image with decoded notes', () => {
    const image = toImage(
      ctx(),
      parseObject(
        `drive ${IMG}\nname Debian 12\ntype disk\nos linux\nbits 64\nsize 5368709120\ndescription one\\ntwo\n`,
      ),
    );
    expect(image).toMatchObject({
      id: `cs-zrh:${IMG}`,
      name: 'Debian 12',
      os: 'linux',
      extra: { sizeGb: 5, bits: 64 },
    });
    expect(image.extra.description).toBe('one\ntwo');
  });

  it('should describe the custom plan with its limits', () => {
    expect(customPlan(ctx())).toMatchObject({
      nativeId: 'custom',
      custom: true,
      extra: { mhzPerCore: 2000 },
    });
  });
});
