import { MAX_KEYS_PER_OBJECT, parseObject, parseObjects } from './codec';
import { CloudsigmaDrive, CloudsigmaServer, CloudsigmaStaticIp, CloudsigmaVlan, type KvType } from './wire';
import { checked, ofType } from '../../kit/wire';

// The wire checks against objects shaped like the recorded 1.0 answers of libcloud and jclouds (every recorded
// object passes: docs/providers/cloudsigma.md#what-the-adapter-checks), with our own values, and against the
// defects of hostile answers.

const SERVER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const DRIVE = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
const VLAN = 'c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f';
const USER = 'd4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80';

/** A running server as libcloud recorded `/servers/info` (counters, NIC blocks, epoch seconds). */
const running = `ide:0:0:write:requests 466
rx 760681
vnc:password secret
ide:0:0 ${DRIVE}
ide:0:0:read:bytes 165395968
vnc:ip 198.51.100.7
boot ide:0:0
smp 1
started 1286568422
nic:0:model virtio
status active
mem 640
user ${USER}
ide:0:0:media disk
name node one
persistent true
nic:0:block tcp/22 tcp/23 tcp/25
server ${SERVER}
nic:0:dhcp 198.51.100.7
nic:1:dhcp 198.51.100.8
cpu 1100
`;

/** A stopped server as jclouds recorded it: `smp auto`, `nic:0:dhcp auto`, `vnc:ip auto`, a CD-ROM boot. */
const stopped = `status stopped
name Demo
mem 1024
boot ide:0:0
persistent true
server ${SERVER.replace('a1', 'a2')}
smp auto
nic:0:dhcp auto
user ${USER}
nic:0:model e1000
nic:1:vlan ${VLAN}
vnc:ip auto
ide:0:0 ${DRIVE}
cpu 2000
ide:0:0:media cdrom
block:0
`;

/** An account drive as jclouds recorded it: claims on five servers, tags, `user:` keys, encryption. */
const drive = `status active
use networking security gateway
name Ubuntu 10.10 Server Edition Linux 64bit Preinstalled System
bits 64
url http://www.example.com
read:bytes 4096
user ${USER}
encryption:cipher aes-xts-plain
description A preinstalled system.
drive ${DRIVE}
install_notes first line\\n\\n
os linux
claim:type shared
claimed 00109617-2c6b-424b-9cfa-5b572c17bafe:guest:${SERVER}:ide:0:0 000663ee-9fb6-4461-90f6-01327a4aff07:guest:f83b519f-feab-42cf-859c-f61495681ada:ide:0:1
drive_type installcd,livecd
autoexpanding false
tags foo bar baz
readers ffffffff-ffff-ffff-ffff-ffffffffffff
free true
type disk
size 8589934592
user:foo bar
`;

const explain = (type: KvType, text: string) => type.explain(parseObject(text));

describe('CloudSigma wire checks', () => {
  it('should accept objects shaped like the recorded answers', () => {
    expect(CloudsigmaServer.is(parseObject(running))).toBe(true);
    expect(CloudsigmaServer.is(parseObject(stopped))).toBe(true);
    expect(CloudsigmaDrive.is(parseObject(drive))).toBe(true);
    // libcloud's single drive answer spells its UUID with underscores; a library drive says `free none`.
    const library = drive
      .replace(`drive ${DRIVE}`, `drive ${DRIVE.replace(/-/g, '_')}`)
      .replace('free true', 'free none');
    expect(CloudsigmaDrive.is(parseObject(library))).toBe(true);
    expect(CloudsigmaVlan.is(parseObject(`resource ${VLAN}\ntype vlan\nuser ${USER}\nname My VLAN1\n`))).toBe(
      true,
    );
    const ips = parseObjects(
      'resource 198.51.100.4\nnetmask 255.255.255.0\nnameserver 198.51.100.1\nuser u\ntype ip\ngateway 198.51.100.1\n\n' +
        'resource 198.51.100.5\ntype ip\n',
    );
    expect(ofType(ips, CloudsigmaStaticIp)).toHaveLength(2);
  });

  it('should refuse a server without its id or name, with a reason naming the key', () => {
    expect(CloudsigmaServer.is(parseObject('status active\nname x\n'))).toBe(false);
    expect(explain(CloudsigmaServer, 'status active\nname x\n')).toMatch(/server/);
    expect(explain(CloudsigmaServer, `server ${SERVER}\nstatus active\n`)).toMatch(/\/name/);
    expect(explain(CloudsigmaServer, 'server not-a-uuid\nname x\n')).toMatch(/\/server/);
    expect(explain(CloudsigmaServer, `server ${SERVER}\nname\n`)).toMatch(/\/name/);
  });

  it('should refuse a server whose numbers, times or ids are not what the mapper reads', () => {
    const server = (extra: string) => `server ${SERVER}\nname web\n${extra}\n`;
    expect(explain(CloudsigmaServer, server('cpu lots'))).toMatch(/\/cpu/);
    expect(explain(CloudsigmaServer, server('mem -5'))).toMatch(/\/mem/);
    expect(explain(CloudsigmaServer, server('smp many'))).toMatch(/\/smp/);
    expect(explain(CloudsigmaServer, server('started 99999999999999999999'))).toMatch(/\/started/);
    expect(explain(CloudsigmaServer, server('ide:0:1 ../../etc'))).toMatch(/\/ide:0:1/);
    expect(explain(CloudsigmaServer, server('block:3 not a uuid'))).toMatch(/\/block:3/);
    expect(explain(CloudsigmaServer, server('nic:1:vlan vlan?1'))).toMatch(/\/nic:1:vlan/);
    expect(explain(CloudsigmaServer, server('user:gwimage ../x'))).toMatch(/\/user:gwimage/);
    // Keys nobody reads are not checked.
    expect(CloudsigmaServer.is(parseObject(server('nic:0:block anything at all\nide:2:9 x')))).toBe(true);
  });

  it('should refuse drives, VLANs and static IPs that break what their mappers read', () => {
    const d = (extra: string) => `drive ${DRIVE}\nname data\n${extra}\n`;
    expect(CloudsigmaDrive.is(parseObject(d('size 1073741824')))).toBe(true);
    expect(explain(CloudsigmaDrive, d('size 10G'))).toMatch(/\/size/);
    expect(explain(CloudsigmaDrive, d('claimed host:guest:<script>:ide:0:0'))).toMatch(/\/claimed/);
    expect(explain(CloudsigmaDrive, d('bits sixty-four'))).toMatch(/\/bits/);
    expect(explain(CloudsigmaDrive, `name data\nsize 1\n`)).toMatch(/drive/);
    expect(explain(CloudsigmaVlan, `resource ${VLAN}\ntype vlan\n`)).toMatch(/\/name/);
    expect(explain(CloudsigmaVlan, 'resource vlan-1\nname x\n')).toMatch(/\/resource/);
    expect(explain(CloudsigmaStaticIp, 'resource 2001:db8::1\n')).toMatch(/\/resource/);
    expect(explain(CloudsigmaStaticIp, 'netmask 255.255.255.0\n')).toMatch(/resource/);
  });

  it('should refuse an object over the key bound, saying how many keys it had', () => {
    const keys = Array.from({ length: MAX_KEYS_PER_OBJECT + 5 }, (_, i) => `user:k${i} v`).join('\n');
    const [big] = parseObjects(`server ${SERVER}\nname big\n${keys}\n`, { idKey: 'server' });
    expect(CloudsigmaServer.is(big)).toBe(false);
    expect(CloudsigmaServer.explain(big)).toBe(
      `${MAX_KEYS_PER_OBJECT + 7} keys, more than ${MAX_KEYS_PER_OBJECT} keys per object`,
    );
    expect(CloudsigmaServer.nativeIdOf(big)).toBe(SERVER);
  });

  it('should name an object by its id key when usable, and answer 502 for a single malformed one', () => {
    expect(CloudsigmaDrive.nativeIdOf(parseObject(`drive ${DRIVE}\n`))).toBe(DRIVE);
    expect(CloudsigmaDrive.nativeIdOf(parseObject(`drive ${'x'.repeat(65)}\n`))).toBeNull();
    expect(CloudsigmaDrive.nativeIdOf(null)).toBeNull();
    expect(() => checked(parseObject(`server ${SERVER}\n`), CloudsigmaServer)).toThrow(
      expect.objectContaining({
        code: 'provider_error',
        status: 502,
        retryable: false,
        message: expect.stringContaining('malformed CloudSigma server: /name'),
      }),
    );
    const ok = parseObject(`server ${SERVER}\nname fine\n`);
    expect(checked(ok, CloudsigmaServer)).toBe(ok);
  });
});
