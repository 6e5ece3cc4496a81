import { parsePublicKey, sshFingerprint } from './public-key';

// Keys made with ssh-keygen here, with the fingerprints `ssh-keygen -lf` printed for them.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMuugfTi0mfwYuR3var/EKLRCTORWj3B0R/Qxjw7DPni me@host';
const ED25519_FP = 'SHA256:aTXTWk7Bi9qiegJyxXiJ7nHBl7m58t0EeFQuNua4THY';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDAUGJJjhnRKK81TJGaJ3rP3qVnlk0FIb4tFx2VZBtZ8wK5tFjWpjKiqBATmkVakOPza7Devxw4fBYtgS+XGc7bfqHD4Vu9KusovmGw1OZN1t5iycXs1Q4rveOGPaefVIPP2dPyvQQoLm0NOy+DfGODg5AcYf6mD/iRPZtZU0wsNBHOii2wO4cNEu7HjuEEVU2cD3kqFknO8Or+C/b19UuJ/ClF4xcDuntK60/Kw27iN5LOy5Zue92VPrTldTAJrV1UPRHq5k4Mma7gv3IS3uJK29FfW/V/By4Duo6MJWHzIWf8w5uoI3yzcpLbczrdlaBZw/xdP6tvcEkGKYCUj0s9 ';
const RSA_FP = 'SHA256:SPlNMLZo1qCwiA8fw3IollGQRfuVe3Q5Xi895AiJApY';

describe('SSH public keys', () => {
  it('should print the fingerprint ssh-keygen -l prints', () => {
    expect(sshFingerprint(ED25519)).toBe(ED25519_FP);
    expect(sshFingerprint(RSA)).toBe(RSA_FP);
    expect(sshFingerprint(`  ${ED25519}\n`)).toBe(ED25519_FP);
  });

  it('should read the type, blob and comment of a key line', () => {
    expect(parsePublicKey(ED25519)).toMatchObject({ type: 'ssh-ed25519', comment: 'me@host' });
  });

  it('should refuse what is not a public key: unknown type, broken base64, a blob of another type, a private key', () => {
    expect(parsePublicKey('ssh-dss AAAAB3NzaC1kc3MAAACBAP')).toBeNull();
    expect(parsePublicKey('ssh-ed25519 not*base64')).toBeNull();
    expect(parsePublicKey(ED25519.replace('ssh-ed25519', 'ssh-rsa'))).toBeNull();
    expect(parsePublicKey('-----BEGIN OPENSSH PRIVATE KEY-----')).toBeNull();
    expect(sshFingerprint(null)).toBeNull();
    expect(parsePublicKey(`ssh-ed25519 ${'A'.repeat(9000)}`)).toBeNull();
  });
});
