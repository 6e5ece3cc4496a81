import fc from 'fast-check';
import {
  ASYNC_FROM_CHARS,
  decodeText,
  encodeValue,
  errorsOf,
  keysBeyondBound,
  MAX_KEYS_PER_OBJECT,
  parseList,
  parseObject,
  parseObjects,
  parseObjectsAsync,
  serializeList,
  serializeObject,
  serializeObjects,
  splitValues,
  type KvObject,
} from './codec';

// Property tests (serialize → parse round trips) and examples shaped like each example of the 1.0 manual,
// with our own values.

const special = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\r', ':', '\\', '\u00a0', 'é', '€', '😀');
const valueArb = fc.oneof(
  fc.constant(null),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), special) }),
);
const keyArb = fc.oneof(
  fc.constantFrom(
    'name',
    'nic:0:dhcp',
    'ide:0:0:media',
    'user:gwtask',
    'errors:name',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((key) => !/\s/.test(key)),
);
const objectArb = fc
  .uniqueArray(fc.tuple(keyArb, valueArb), { selector: ([key]) => key, maxLength: 8 })
  .map((entries) => Object.fromEntries(entries) as Record<string, string | null>);

/** What the wire keeps of a value: newlines escaped, surrounding blanks dropped, empty = no value. */
const wire = (value: string | null) => (value === null ? null : encodeValue(value).trim() || null);
const onWire = (object: Record<string, string | null>) =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, wire(value)]));
const plain = (object: KvObject) => ({ ...object });

describe('cloudsigma codec: properties', () => {
  it('should round-trip one object: parse(serialize(o)) keeps every key and its wire value', () => {
    fc.assert(
      fc.property(objectArb, (object) => {
        expect(plain(parseObject(serializeObject(object)))).toEqual(onWire(object));
      }),
    );
  });

  it('should round-trip several objects separated by blank lines', () => {
    fc.assert(
      fc.property(fc.array(objectArb, { maxLength: 5 }), (list) => {
        const parsed = parseObjects(serializeObjects(list)).map(plain);
        expect(parsed).toEqual(list.filter((o) => Object.keys(o).length > 0).map(onWire));
      }),
    );
  });

  it('should survive CRLF line ends and extra blank lines anywhere', () => {
    fc.assert(
      fc.property(fc.array(objectArb, { maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (list, blanks) => {
        const text = serializeObjects(list)
          .replace(/\n/g, '\r\n')
          .replace(/\r\n\r\n/g, '\r\n'.repeat(blanks + 1));
        const expected = list.filter((o) => Object.keys(o).length > 0).map(onWire);
        expect(parseObjects(`\r\n${text}\r\n\r\n`).map(plain)).toEqual(expected);
      }),
    );
  });

  it('should give back a value with newlines for display, unless it held a literal backslash-n', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), special) }),
        (value) => {
          fc.pre(!value.includes('\\n'));
          expect(decodeText(encodeValue(value))).toBe(value.replace(/\r\n|\r/g, '\n'));
        },
      ),
    );
  });

  it('should round-trip both list shapes', () => {
    const token = fc
      .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })
      .filter((s) => !/\s/.test(s));
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.option(token, { nil: null }), value: token })), (entries) => {
        expect(parseList(serializeList(entries))).toEqual(entries);
      }),
    );
  });

  it('should refuse keys a line cannot carry', () => {
    expect(() => serializeObject({ 'two words': 'x' })).toThrow(/blanks/);
    expect(() => serializeObject({ '': 'x' })).toThrow(/empty/);
  });
});

describe('cloudsigma codec: the manual examples', () => {
  it('should read a list of drive UUIDs (./cloudsigma drives list)', () => {
    const text = 'a1b2c3d4-0000-4000-8000-000000000001\na1b2c3d4-0000-4000-8000-000000000002\n';
    expect(parseList(text).map((e) => e.value)).toEqual([
      'a1b2c3d4-0000-4000-8000-000000000001',
      'a1b2c3d4-0000-4000-8000-000000000002',
    ]);
    expect(parseList(text).every((e) => e.type === null)).toBe(true);
  });

  it('should write a drive create request and read its answer (7.1)', () => {
    expect(serializeObject({ name: 'DATA DISK', size: 8388608 })).toBe('name DATA DISK\nsize 8388608\n');
    const answer = parseObject(
      'status active\nuser 11111111-2222-4333-8444-555555555555\nsize 8388608\nname DATA DISK\ndrive 99999999-8888-4777-8666-555555555555\n',
    );
    expect(plain(answer)).toEqual({
      status: 'active',
      user: '11111111-2222-4333-8444-555555555555',
      size: '8388608',
      name: 'DATA DISK',
      drive: '99999999-8888-4777-8666-555555555555',
    });
  });

  it('should read the account drives (7.7), with claimed lists and no trailing newline', () => {
    const text =
      'status active\nname root1\ndrive d-1\nclaimed h-1:guest:s-1:ide:0:0 h-2:guest:s-2:ide:0:1\nsize 5368709120\n\nstatus active\nname data\ndrive d-2\nsize 107374182400';
    const drives = parseObjects(text);
    expect(drives).toHaveLength(2);
    expect(splitValues(drives[0].claimed)).toEqual(['h-1:guest:s-1:ide:0:0', 'h-2:guest:s-2:ide:0:1']);
    expect(drives[1].size).toBe('107374182400');
  });

  it('should read a server with flat colon keys (8.6), keeping nic:0:dhcp and device counters apart', () => {
    const server = parseObject(
      'status active\nname db one\nide:0:0 d-1\nide:0:0:media disk\nide:0:0:read:bytes 4096\nnic:0:dhcp 203.0.113.7\nnic:1:vlan v-1\nvnc:ip 203.0.113.7\nsmp 4\nstarted 1700000000\n',
    );
    expect(server['nic:0:dhcp']).toBe('203.0.113.7');
    expect(server['ide:0:0']).toBe('d-1');
    expect(server['ide:0:0:read:bytes']).toBe('4096');
    expect(server.name).toBe('db one');
  });

  it('should write a server create request (8.2) and read keys without values (6.1 profile)', () => {
    expect(
      serializeObject({ name: 'Test box', cpu: 2000, mem: 1024, 'ide:0:0': 'd-1', persistent: true }),
    ).toBe('name Test box\ncpu 2000\nmem 1024\nide:0:0 d-1\npersistent true\n');
    const profile = parseObject(
      'uuid u-1\nemail ops@example.net\ntitle\ncompany\naddress Main street 1\nphone\n',
    );
    expect(plain(profile)).toEqual({
      uuid: 'u-1',
      email: 'ops@example.net',
      title: null,
      company: null,
      address: 'Main street 1',
      phone: null,
    });
  });

  it('should find the errors lines among echoed keys (6.2, 11.10, 11.11)', () => {
    const body =
      'first_name\nerrors:first_name * Required here.\nlast_name Doe\ncpu 500\nerrors:cpu The minimum is 2000 core MHz\n';
    expect(errorsOf(parseObjects(body))).toEqual([
      { field: 'first_name', message: '* Required here.' },
      { field: 'cpu', message: 'The minimum is 2000 core MHz' },
    ]);
    expect(errorsOf(parseObjects('errors:system Drive d-9 could not be found.\n'))).toEqual([
      { field: 'system', message: 'Drive d-9 could not be found.' },
    ]);
  });

  it('should clear a setting with a key and no value (server set, detach)', () => {
    expect(serializeObject({ 'block:0': null, 'nic:0:dhcp': '' })).toBe('block:0 \nnic:0:dhcp \n');
    expect(plain(parseObject('block:0 \nnic:0:dhcp\n'))).toEqual({ 'block:0': null, 'nic:0:dhcp': null });
  });

  it('should read the VLAN and static IP lists as `type value` lines (9.1, 9.6)', () => {
    expect(parseList('vlan 0e1f2a3b-0000-4000-8000-00000000000a\n')).toEqual([
      { type: 'vlan', value: '0e1f2a3b-0000-4000-8000-00000000000a' },
    ]);
    expect(parseList('ip 198.51.100.4\r\nip 198.51.100.5\r\n').map((e) => e.value)).toEqual([
      '198.51.100.4',
      '198.51.100.5',
    ]);
  });

  it('should read a static IP with a list of nameservers (9.5) and an IP create answer of two objects', () => {
    const text =
      'resource 198.51.100.4\ntype ip\nnetmask 255.255.255.0\nnameserver 198.51.100.2 198.51.100.3\ngateway 198.51.100.1\n\nresource 198.51.100.5\ntype ip\n';
    expect(splitValues(parseObject(text).nameserver)).toEqual(['198.51.100.2', '198.51.100.3']);
    expect(parseObjects(text).map((o) => o.resource)).toEqual(['198.51.100.4', '198.51.100.5']);
  });

  it('should keep values with spaces and dates whole (11.3 pricing, 11.4 transactions)', () => {
    const [first, second] = parseObjects(
      'date 2024-01-02 10:00:00\ndescription 5 minutes of burst use at rate 1.5\ntotal -7.50\n\ndate 2024-01-02 10:05:00\ntotal n/a\n',
    );
    expect(first.date).toBe('2024-01-02 10:00:00');
    expect(first.description).toBe('5 minutes of burst use at rate 1.5');
    expect(second.total).toBe('n/a');
  });

  it('should read bare words as a list (11.1 currencies) and keys without values (11.2 usage)', () => {
    expect(parseList('CHF\nEUR\nUSD\n').map((e) => e.value)).toEqual(['CHF', 'EUR', 'USD']);
    expect(plain(parseObject('cpu 2000\nxfer:burst\nxfer:sub\ntx:total 0.001\n'))).toEqual({
      cpu: '2000',
      'xfer:burst': null,
      'xfer:sub': null,
      'tx:total': '0.001',
    });
  });

  it('should keep escaped newlines and entities as sent, and decode newlines only for display', () => {
    const drive = parseObject(
      'install_notes Step one.\\n\\nStep &quot;two&quot;.\ndescription Für alle – ok\n',
    );
    expect(drive.install_notes).toBe('Step one.\\n\\nStep &quot;two&quot;.');
    expect(decodeText(drive.install_notes)).toBe('Step one.\n\nStep &quot;two&quot;.');
    expect(drive.description).toBe('Für alle – ok');
    expect(serializeObject({ description: 'line 1\nline 2' })).toBe('description line 1\\nline 2\n');
  });

  it('should write a server clone and a multiple-servers command, and read their answers (8.3, 8.5)', () => {
    expect(serializeObject({ name: 'node-7 copy' })).toBe('name node-7 copy\n');
    const clone = parseObject(
      'status stopped\nname node-7 copy\nnic:1:mac 02:aa:bb:cc:dd:ee\nboot ide:0:0\nsmp 1\n',
    );
    expect(clone['nic:1:mac']).toBe('02:aa:bb:cc:dd:ee');
    expect(serializeObject({ 'server:0': 's-1', 'server:1': 's-2' })).toBe('server:0 s-1\nserver:1 s-2\n');
    expect(parseList('s-3\ns-4\n').map((e) => e.value)).toEqual(['s-3', 's-4']);
  });

  it('should read server groups and subscriptions, several objects of the same keys (10.1, 11.8, 11.11)', () => {
    expect(plain(parseObject('uuid g-1\nname Web tier\n'))).toEqual({ uuid: 'g-1', name: 'Web tier' });
    const subscriptions = parseObjects(
      'type ip\nresource 198.51.100.8\nunit IPs\nstart_time 2024-05-01 10:00\n\ntype ip\nresource 198.51.100.9\nunit IPs\n\n\ntype vlan\nresource v-1\nunit VLANs\n',
    );
    expect(subscriptions.map((s) => [s.type, s.resource])).toEqual([
      ['ip', '198.51.100.8'],
      ['ip', '198.51.100.9'],
      ['vlan', 'v-1'],
    ]);
    expect(plain(parseObject('balance 310.25\ncurrency CHF\n'))).toEqual({
      balance: '310.25',
      currency: 'CHF',
    });
  });

  it('should give nothing for an empty body', () => {
    expect(parseObjects('')).toEqual([]);
    expect(plain(parseObject('\n\n'))).toEqual({});
    expect(parseList('  \n')).toEqual([]);
  });
});

describe('bounded parsing (docs/adr/0004-untrusted-backends.md)', () => {
  const user = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `user:k${from + i} v${from + i}\n`).join('');

  it('should keep an object of the bound whole, and mark one over it with its key count', () => {
    const full = parseObject(`server s-1\n${user(MAX_KEYS_PER_OBJECT - 1)}`);
    expect(Object.keys(full)).toHaveLength(MAX_KEYS_PER_OBJECT);
    expect(keysBeyondBound(full)).toBeUndefined();
    const [over, next] = parseObjects(
      `server s-2\n${user(MAX_KEYS_PER_OBJECT + 9)}\nserver s-3\nname next\n`,
    );
    expect(keysBeyondBound(over)).toBe(MAX_KEYS_PER_OBJECT + 10);
    expect(Object.keys(over)).toHaveLength(MAX_KEYS_PER_OBJECT);
    expect(over.server).toBe('s-2');
    expect(plain(next)).toEqual({ server: 's-3', name: 'next' });
    expect(keysBeyondBound(next)).toBeUndefined();
    expect(keysBeyondBound(null)).toBeUndefined();
    expect(keysBeyondBound('server s-1')).toBeUndefined();
  });

  it('should still read the id key of an object over the bound, wherever it comes, to name it', () => {
    const [over] = parseObjects(`${user(5)}name big\nserver s-9\n`, { maxKeys: 3, idKey: 'server' });
    expect(keysBeyondBound(over)).toBe(7);
    expect(plain(over)).toEqual({ 'user:k0': 'v0', 'user:k1': 'v1', 'user:k2': 'v2', server: 's-9' });
  });

  it('should parse a large body asynchronously to the same objects as the sync parser', async () => {
    const small = 'server s-1\r\nname a b\r\n\r\n\nserver s-2\rname c';
    expect(await parseObjectsAsync(small)).toEqual(parseObjects(small));
    const large = Array.from(
      { length: 3_000 },
      (_, i) => `server s-${i}\nname node ${i}\r\nnic:0:dhcp auto\r${user(20)}`,
    ).join('\n');
    expect(large.length).toBeGreaterThan(ASYNC_FROM_CHARS);
    const parsed = await parseObjectsAsync(large);
    expect(parsed).toHaveLength(3_000);
    expect(parsed.map(plain)).toEqual(parseObjects(large).map(plain));
  });

  it('should refuse a million keys, yielding to the event loop while it reads them', async () => {
    const text = `server s-1\nname huge\n${user(1_000_000)}\nserver s-2\nname small\n`;
    let ticks = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const [huge, small] = await parseObjectsAsync(text, { idKey: 'server' });
    running = false;
    expect(keysBeyondBound(huge)).toBe(1_000_002);
    expect(huge.server).toBe('s-1');
    expect(plain(small)).toEqual({ server: 's-2', name: 'small' });
    // Other work got turns while the body was read (one synchronous parse would give it none). How long it
    // took is for the benchmark, not a test.
    expect(ticks).toBeGreaterThan(10);
  });
});
