import { vpcRanges } from './networks';

describe('IMCO VPC ranges', () => {
  it('should normalize a VPC range and derive its first subnet', () => {
    expect(vpcRanges('10.0.3.7/16')).toEqual({ cidr: '10.0.0.0/16', firstSubnet: '10.0.0.0/24' });
    expect(vpcRanges('192.168.4.0/26')).toEqual({ cidr: '192.168.4.0/26', firstSubnet: '192.168.4.0/26' });
    for (const bad of ['10.0.0.0', '10.0.0.0/4', '10.0.0.0/30', '300.1.1.1/16', 'fd00::/48'])
      expect(() => vpcRanges(bad)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });
});
