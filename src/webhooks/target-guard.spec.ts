import {
  checkAtRegistration,
  parseTargetUrl,
  pinForDelivery,
  refusalOf,
  TargetRefused,
  type TargetUrl,
} from './target-guard';
import type { ResolvedAddress, WebhookResolver } from './target-resolver';

const resolverOf = (answer: ResolvedAddress[] | Error): WebhookResolver => ({
  lookup: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
});
const target = (url: string) => parseTargetUrl(url) as TargetUrl;

describe('webhook target guard (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
  ])('should refuse %s (%s)', (address, range) => {
    const refusal = refusalOf(address);
    expect(refusal).not.toBeNull();
    expect(refusal).toContain(range === 'metadata' ? 'metadata' : range);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8'])('should allow %s', (address) => {
    expect(refusalOf(address)).toBeNull();
  });

  it('should take absolute http(s) URLs only, without credentials, at most 2048 characters', () => {
    expect(parseTargetUrl('https://hooks.example.com/in')).toEqual({
      href: 'https://hooks.example.com/in',
      host: 'hooks.example.com',
      literal: false,
    });
    expect(parseTargetUrl('http://[::1]:8080/x')).toMatchObject({ host: '::1', literal: true });
    // WHATWG parsing turns other spellings of an address into the dotted form, which is what is judged.
    expect(parseTargetUrl('http://2130706433/')).toMatchObject({ host: '127.0.0.1', literal: true });
    expect(parseTargetUrl('http://0x7f.1/')).toMatchObject({ host: '127.0.0.1', literal: true });
    expect(parseTargetUrl('/relative')).toHaveProperty('refused');
    expect(parseTargetUrl('ftp://example.com/')).toHaveProperty('refused');
    expect(parseTargetUrl('file:///etc/passwd')).toHaveProperty('refused');
    expect(parseTargetUrl('https://user:pw@example.com/')).toEqual({
      refused: 'must not carry a user name or password',
    });
    expect(parseTargetUrl(`https://example.com/${'a'.repeat(2048)}`)).toHaveProperty('refused');
  });

  describe('at registration', () => {
    it('should judge a literal address without a look-up', async () => {
      const lookup = jest.fn();
      await expect(checkAtRegistration(target('http://10.0.0.1/'), { lookup }, false)).rejects.toThrow(
        TargetRefused,
      );
      await expect(
        checkAtRegistration(target('http://8.8.8.8/'), { lookup }, false),
      ).resolves.toBeUndefined();
      expect(lookup).not.toHaveBeenCalled();
    });

    it('should refuse a name when any of its addresses is refused', async () => {
      const resolver = resolverOf([
        { address: '8.8.8.8', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
      await expect(checkAtRegistration(target('http://mixed.example/'), resolver, false)).rejects.toThrow(
        /mixed\.example resolves to 127\.0\.0\.1/,
      );
    });

    it('should accept a name that does not resolve now (delivery judges it again)', async () => {
      await expect(
        checkAtRegistration(target('http://nowhere.example/'), resolverOf(new Error('ENOTFOUND')), false),
      ).resolves.toBeUndefined();
    });

    it('should judge nothing when private targets are allowed', async () => {
      await expect(
        checkAtRegistration(target('http://127.0.0.1/'), resolverOf([]), true),
      ).resolves.toBeUndefined();
    });
  });

  describe('at delivery', () => {
    it('should pin the connection to the address it judged', async () => {
      const pinned = await pinForDelivery(
        target('https://hooks.example/in'),
        resolverOf([{ address: '93.184.216.34', family: 4 }]),
        false,
      );
      expect(pinned).toEqual({ url: 'https://hooks.example/in', address: '93.184.216.34', family: 4 });
    });

    it('should refuse a name that resolves to a refused address now, with the reason', async () => {
      await expect(
        pinForDelivery(
          target('https://rebind.example/in'),
          resolverOf([{ address: '127.0.0.1', family: 4 }]),
          false,
        ),
      ).rejects.toThrow(
        'target refused: rebind.example resolves to 127.0.0.1: 127.0.0.1 is in a loopback range',
      );
    });

    it('should fail a name that does not resolve, and pin literal addresses as they are', async () => {
      await expect(
        pinForDelivery(target('https://gone.example/'), resolverOf(new Error('ENOTFOUND')), false),
      ).rejects.toThrow(/did not resolve/);
      await expect(pinForDelivery(target('http://[::1]:9/'), resolverOf([]), true)).resolves.toEqual({
        url: 'http://[::1]:9/',
        address: '::1',
        family: 6,
      });
      await expect(
        pinForDelivery(target('http://[::ffff:127.0.0.1]/'), resolverOf([]), false),
      ).rejects.toThrow(/loopback/);
    });
  });
});
