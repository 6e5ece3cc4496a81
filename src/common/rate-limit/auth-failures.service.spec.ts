import { clientBucket } from './auth-failures.service';

describe('clientBucket', () => {
  it('counts IPv4 addresses one by one, IPv4-mapped IPv6 as IPv4', () => {
    expect(clientBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses by their /64', () => {
    expect(clientBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientBucket('::1')).toBe('0:0:0:0::/64');
    expect(clientBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('puts what is not an address in one bucket', () => {
    expect(clientBucket(undefined)).toBe('unknown');
    expect(clientBucket('not an address')).toBe('unknown');
  });
});
