import { ipv4GatewayAndNetmask } from './cidr';

describe('ipv4GatewayAndNetmask', () => {
  it('should give the first host and the mask of the range', () => {
    expect(ipv4GatewayAndNetmask('10.1.2.0/24')).toEqual({ gateway: '10.1.2.1', netmask: '255.255.255.0' });
    expect(ipv4GatewayAndNetmask('10.1.2.77/24')).toEqual({ gateway: '10.1.2.1', netmask: '255.255.255.0' });
    expect(ipv4GatewayAndNetmask('172.16.0.0/12')).toEqual({ gateway: '172.16.0.1', netmask: '255.240.0.0' });
    expect(ipv4GatewayAndNetmask('192.168.8.0/30')).toEqual({
      gateway: '192.168.8.1',
      netmask: '255.255.255.252',
    });
  });

  it.each(['10.0.0.0/31', '10.0.0.0/32', '300.1.1.1/24', 'fd00::/64', '10.0.0.0'])(
    'should reject %p',
    (cidr) => {
      expect(() => ipv4GatewayAndNetmask(cidr)).toThrow(/IPv4 range/);
    },
  );
});
