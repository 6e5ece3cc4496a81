import { normalizeEndpoint } from './imco.adapter';
import { vpcRanges } from './imco-networks.service';
import { keyIdentity } from './imco-server-create.steps';

describe('IMCO connection helpers', () => {
  it('should keep the version the endpoint carries and add /v3 where it has none (as the CLI does)', () => {
    expect(normalizeEndpoint('https://clients.example.com/v3/')).toBe('https://clients.example.com/v3');
    expect(normalizeEndpoint('https://clients.example.com:886/v2')).toBe(
      'https://clients.example.com:886/v2',
    );
    expect(normalizeEndpoint('https://clients.example.com')).toBe('https://clients.example.com/v3');
    expect(normalizeEndpoint('https://clients.example.com/')).toBe('https://clients.example.com/v3');
  });

  it('should normalize a VPC range and derive its first subnet', () => {
    expect(vpcRanges('10.0.3.7/16')).toEqual({ cidr: '10.0.0.0/16', firstSubnet: '10.0.0.0/24' });
    expect(vpcRanges('192.168.4.0/26')).toEqual({ cidr: '192.168.4.0/26', firstSubnet: '192.168.4.0/26' });
    for (const bad of ['10.0.0.0', '10.0.0.0/4', '10.0.0.0/30', '300.1.1.1/16', 'fd00::/48'])
      expect(() => vpcRanges(bad)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('should compare public keys by type and key, not by comment or spacing', () => {
    expect(keyIdentity('  ssh-ed25519   AAAAC3Nza1   me@laptop ')).toBe('ssh-ed25519 AAAAC3Nza1');
    expect(keyIdentity('ssh-ed25519 AAAAC3Nza1')).toBe(keyIdentity('ssh-ed25519 AAAAC3Nza1 other'));
    expect(keyIdentity(null)).toBe('');
  });
});
