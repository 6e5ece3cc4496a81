import { NeedsAttentionError, ProviderError } from '../../../common/errors/gateway-error';
import { parseObjects } from '../client/codec';
import { createdAddresses } from './ips';

// What an IP create answer gives, for answers shaped like the manual's (one object) and libcloud's recorded
// resources_ip_create.txt (two objects), with documentation addresses.

const ip = (address: string) =>
  `resource ${address}\nnetmask 255.255.255.0\nnameserver 198.51.100.1\nuser u-1\ntype ip\ngateway 198.51.100.1\n`;

describe('createdAddresses', () => {
  it('should keep the one address of a one-object answer', () => {
    expect(createdAddresses(parseObjects(ip('198.51.100.4')), ['198.51.100.9'])).toEqual({
      keep: '198.51.100.4',
      extra: [],
    });
  });

  it('should keep the first of two new addresses and name the other for release (libcloud)', () => {
    const answer = parseObjects(`${ip('198.51.100.4')}\n${ip('198.51.100.5')}`);
    expect(createdAddresses(answer, [])).toEqual({ keep: '198.51.100.4', extra: ['198.51.100.5'] });
  });

  it('should skip addresses the account held before, wherever the new one is in the answer', () => {
    const answer = parseObjects(`${ip('198.51.100.9')}\n${ip('198.51.100.4')}\n${ip('198.51.100.3')}`);
    expect(createdAddresses(answer, ['198.51.100.9', '198.51.100.3'])).toEqual({
      keep: '198.51.100.4',
      extra: [],
    });
  });

  it('should count an address named twice once', () => {
    const answer = parseObjects(`${ip('198.51.100.4')}\n${ip('198.51.100.4')}`);
    expect(createdAddresses(answer, [])).toEqual({ keep: '198.51.100.4', extra: [] });
  });

  it('should refuse an answer without an address, or with none that is new', () => {
    expect(() => createdAddresses(parseObjects('type ip\n'), [])).toThrow(ProviderError);
    expect(() => createdAddresses(parseObjects(ip('198.51.100.9')), ['198.51.100.9'])).toThrow(
      NeedsAttentionError,
    );
  });
});
