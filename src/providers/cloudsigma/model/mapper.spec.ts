import { ProviderKind } from '../../../domain/states';
import { NativeRef } from '../../ports/native';
import { ResourceNormalizer } from '../../registry/resource-normalizer';
import { parseObject, parseObjects, type KvObject } from '../client/codec';
import { type Attachment, attachmentsFrom, freeBlockSlot, holderOf } from './devices';
import { customPlan, type MapContext, toImage, toIpAddress, toNetwork, toServer, toVolume } from './mapper';

// Payloads shaped like the manual's examples of server, drive, VLAN and static IP objects
// (docs/providers/cloudsigma.md#servers, #drives, #vlans, #static-ips). The mappers answer native records; most
// cases read them as clients get them, through the core's normalizer (gateway ids, marker stripped).

const S1 = '11111111-aaaa-4bbb-8ccc-000000000001';
const D1 = '22222222-aaaa-4bbb-8ccc-000000000001';
const D2 = '22222222-aaaa-4bbb-8ccc-000000000002';
const CD = '33333333-aaaa-4bbb-8ccc-000000000003';
const V1 = '44444444-aaaa-4bbb-8ccc-000000000004';
const IMG = '55555555-aaaa-4bbb-8ccc-000000000005';

let unknown: string[];
const ctx = (): MapContext => ({
  location: { id: 'zrh', name: 'Zurich' },
  onUnknownState: (resource, raw) => unknown.push(`${resource}:${raw}`),
});

const gateway = new ResourceNormalizer('cs-zrh', ProviderKind.Cloudsigma);
const mapServer = (raw: KvObject) => gateway.server(toServer(ctx(), raw));
const mapVolume = (raw: KvObject, attachments: Attachment[]) =>
  gateway.volume(toVolume(ctx(), raw, attachments));
const mapNetwork = (raw: KvObject) => gateway.network(toNetwork(raw));
const mapIp = (raw: KvObject, serverId: string | null) => gateway.ip(toIpAddress(raw, serverId));
const mapImage = (raw: KvObject) => gateway.image(toImage(raw));

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

describe('native records', () => {
  it('should answer the backend ids, the name as sent, and references in extra as native refs', () => {
    const server = toServer(ctx(), running);
    expect(server).not.toHaveProperty('id');
    expect(server).not.toHaveProperty('provider');
    expect(server).toMatchObject({
      nativeId: S1,
      planId: 'medium',
      imageId: IMG,
      locationId: 'zrh',
      volumeIds: [D1, D2],
      networkIds: [V1],
    });
    const drive = parseObject(`drive ${D1}\nstatus active\nname root-gw0123456789\nsize 1024\n`);
    const volume = toVolume(ctx(), drive, attachmentsFrom(drive, [running]));
    expect(volume).toMatchObject({ name: 'root-gw0123456789', serverId: S1 });
    expect(volume.extra.serverIds).toEqual([new NativeRef(S1)]);
    expect(volume.extra.attachments).toEqual([
      { serverId: new NativeRef(S1), device: 'ide:0:0', boot: true },
    ]);
  });
});

describe('toServer', () => {
  it('should normalize a running server: MHz, MB, cores, address, drives, VLAN, image and epoch seconds', () => {
    const server = mapServer(running);
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
    // Label-shaped `user:` lines are its labels; the gateway's own keys are not (docs/providers/cloudsigma.md#labels).
    expect(server.labels).toEqual({ owner: 'team-b' });
  });

  it('should never leak the VNC password or the gateway marker keys into extra', () => {
    const text = JSON.stringify(mapServer(running));
    expect(text).not.toContain('Secr3t');
    expect(text).not.toContain('gw0123456789');
  });

  it('should show a stopped server with nic:0:dhcp auto and smp auto as stopped without an address', () => {
    const server = mapServer(
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
    expect(mapServer(parseObject(`server ${S1}\nstatus dumped\n`))).toMatchObject({
      state: 'error',
      providerState: 'dumped',
    });
    expect(mapServer(parseObject(`server ${S1}\nstatus frozen\n`))).toMatchObject({
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
      `drive ${D1}\nstatus active\nname root\nsize 21474836480\ntype disk\nos linux\nuser:tier gold\nuser:flag ""\n`,
    );
    const volume = mapVolume(drive, attachmentsFrom(drive, servers));
    expect(volume).toMatchObject({
      id: `cs-zrh:${D1}`,
      sizeGb: 20,
      state: 'in-use',
      serverId: `cs-zrh:${S1}`,
      bootable: true,
      providerState: 'active',
      labels: { tier: 'gold', flag: '' },
    });
    expect(volume.extra.device).toBe('ide:0:0');
  });

  it('should take the attachment from a guest claim when no listed server has the drive', () => {
    const drive = parseObject(
      `drive ${D2}\nstatus active\nname data\nsize 5368709120\nclaimed h-9:guest:${S1}:block:3\n`,
    );
    expect(attachmentsFrom(drive, [])).toEqual([{ serverId: S1, device: 'block:3', boot: false }]);
  });

  it('should show a copying drive as creating with its progress, and a free data drive as available', () => {
    const copying = parseObject(
      `drive ${D2}\nstatus active\nname boot\nsize 1073741824\nimaging 35%\nclaimed h-1:imaging\n`,
    );
    expect(mapVolume(copying, attachmentsFrom(copying, []))).toMatchObject({
      state: 'creating',
      serverId: null,
      extra: { imaging: '35%', progress: 35 },
    });
    const free = parseObject(`drive ${D2}\nstatus active\nname data\nsize 12582912\ntags affinity:ssd\n`);
    expect(mapVolume(free, [])).toMatchObject({
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
    const network = mapNetwork(parseObject(`resource ${V1}\ntype vlan\nname backend-gw0123456789\n`));
    expect(network).toMatchObject({ name: 'backend', state: 'available', vlan: V1, cidr: null, labels: {} });
  });

  it('should key a static IP by its address and show which server holds it', () => {
    const [ip] = parseObjects(
      'resource 203.0.113.10\ntype ip\nnetmask 255.255.255.0\ngateway 203.0.113.1\nnameserver 203.0.113.2 203.0.113.3\n',
    );
    const holder = holderOf('203.0.113.10', [running]);
    expect(holder).toEqual({ serverId: S1, key: 'nic:0:dhcp' });
    expect(mapIp(ip, holder!.serverId)).toMatchObject({
      id: 'cs-zrh:203.0.113.10',
      address: '203.0.113.10',
      state: 'attached',
      serverId: `cs-zrh:${S1}`,
      extra: { nameservers: ['203.0.113.2', '203.0.113.3'] },
      labels: {},
    });
    expect(holderOf('203.0.113.99', [running])).toBeNull();
  });

  it('should show a library disk as an image with decoded notes', () => {
    const image = mapImage(
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
    expect(customPlan()).toMatchObject({
      nativeId: 'custom',
      custom: true,
      extra: { mhzPerCore: 2000 },
    });
  });
});

// Shaped like recorded real 1.0 answers (jclouds' new_server.txt and drive.txt, libcloud's servers_info.txt),
// with our own ids and documentation addresses (docs/providers/cloudsigma.md#drives-on-several-servers).
describe('recorded answer shapes', () => {
  const H = ['00109617', '00031836', '0002c6df', '00031836', '000663ee'].map(
    (prefix) => `${prefix}-2c6b-424b-9cfa-5b572c17bafe`,
  );
  const GUESTS = [1, 2, 3, 4, 5].map((n) => `66666666-aaaa-4bbb-8ccc-00000000000${n}`);

  it('should show a running server whose public address is only in vnc:ip (no nic:0:dhcp line)', () => {
    const server = mapServer(
      parseObject(
        [
          'ide:0:0:write:requests 0',
          'boot ide:0:0',
          'vnc:password XXXXXXXX',
          `ide:0:0 ${D1}`,
          'vnc:ip 203.0.113.221',
          'tx:packets 0',
          'smp 1',
          'mem 512',
          'nic:0:model e1000',
          'status active',
          'started 1292695612',
          'ide:0:0:media disk',
          'name adriancole.test',
          'persistent true',
          'nic:0:block tcp/43594 tcp/5902 udp/5060',
          `server ${S1}`,
          'cpu 1000',
        ].join('\n'),
      ),
    );
    expect(server.state).toBe('running');
    expect(server.ipAddresses).toEqual([{ address: '203.0.113.221', version: 4, public: true }]);
  });

  it('should add vnc:ip beside the nic addresses once, never twice', () => {
    expect(mapServer(running).ipAddresses).toEqual([{ address: '203.0.113.10', version: 4, public: true }]);
    // libcloud's servers_info.txt: nic:0:dhcp, nic:1:dhcp and a vnc:ip that differs from both.
    const libcloud = mapServer(
      parseObject(
        `server ${S1}\nstatus active\nvnc:ip 203.0.113.28\nnic:0:dhcp 198.51.100.4\nnic:1:dhcp 198.51.100.5\n`,
      ),
    );
    expect(libcloud.ipAddresses.map((a) => a.address)).toEqual([
      '198.51.100.4',
      '198.51.100.5',
      '203.0.113.28',
    ]);
  });

  it('should not take vnc:ip as an address while the server is not running', () => {
    const stopped = mapServer(parseObject(`server ${S1}\nstatus stopped\nvnc:ip 203.0.113.221\n`));
    expect(stopped.ipAddresses).toEqual([]);
  });

  // jclouds' drive.txt: a shared OS disk claimed by five servers (four at ide:0:0, one at ide:0:1).
  const claimedByFive = parseObject(
    [
      'status active',
      'name Ubuntu 10.10 Server Edition Linux 64bit Preinstalled System',
      'bits 64',
      `drive ${D1}`,
      'os linux',
      'claim:type shared',
      `claimed ${H.map((host, i) => `${host}:guest:${GUESTS[i]}:ide:0:${i === 4 ? 1 : 0}`).join(' ')}`,
      'drive_type installcd,livecd',
      'readers ffffffff-ffff-ffff-ffff-ffffffffffff',
      'free true',
      'type disk',
      'size 8589934592',
    ].join('\n'),
  );

  it('should keep every server of a drive claimed by several, the first one as serverId', () => {
    const attachments = attachmentsFrom(claimedByFive, []);
    expect(attachments.map((a) => a.serverId)).toEqual(GUESTS);
    const volume = mapVolume(claimedByFive, attachments);
    expect(volume).toMatchObject({ state: 'in-use', serverId: `cs-zrh:${GUESTS[0]}`, bootable: true });
    expect(volume.extra.serverIds).toEqual(GUESTS.map((id) => `cs-zrh:${id}`));
    expect(volume.extra.attachments).toEqual(
      // Four boot from it (ide:0:0); the fifth has it as a second disk.
      GUESTS.map((id, i) =>
        i === 4
          ? { serverId: `cs-zrh:${id}`, device: 'ide:0:1' }
          : { serverId: `cs-zrh:${id}`, device: 'ide:0:0', boot: true },
      ),
    );
  });

  it('should call a drive bootable only when it is an OS disk at a boot slot', () => {
    const at = (device: string, type: string) =>
      parseObject(`drive ${D2}\nstatus active\ntype ${type}\nos linux\nclaimed h-1:guest:${S1}:${device}\n`);
    const bootable = (drive: KvObject) => mapVolume(drive, attachmentsFrom(drive, [])).bootable;
    expect(bootable(at('ide:0:0', 'disk'))).toBe(true);
    expect(bootable(at('ide:0:1', 'disk'))).toBe(false);
    expect(bootable(at('ide:0:0', 'cdrom'))).toBe(false);
  });

  it('should merge the configuration of the account servers with the claims, each server once', () => {
    const other = parseObject(
      `server ${GUESTS[0]}\nstatus stopped\nname db2\nblock:2 ${D1}\nide:0:0 ${D2}\nboot ide:0:0\n`,
    );
    const drive = parseObject(
      `drive ${D1}\nstatus active\ntype disk\nos linux\nclaim:type shared\nclaimed h-1:guest:${S1}:ide:0:0\n`,
    );
    const attachments = attachmentsFrom(drive, [running, other]);
    expect(attachments).toEqual([
      { serverId: S1, device: 'ide:0:0', boot: true },
      { serverId: GUESTS[0], device: 'block:2', boot: false },
    ]);
    expect(mapVolume(drive, attachments)).toMatchObject({ serverId: `cs-zrh:${S1}`, bootable: true });
    // Each server that has the drive as a device lists it.
    expect(mapServer(running).volumeIds).toContain(`cs-zrh:${D1}`);
    expect(mapServer(other).volumeIds).toContain(`cs-zrh:${D1}`);
  });
});
