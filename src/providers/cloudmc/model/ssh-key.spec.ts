import { md5Fingerprint, sameFingerprint, SSH_KEY_NAME } from './ssh-key';

// A key made with ssh-keygen, and the fingerprint `ssh-keygen -l -E md5` printed for it (CloudStack's form).
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOp6b+XT7oCD8QMRn7YvwdOTJ7QM/CRLXxHuZywGeTdg me@host';
const KEY_MD5 = 'fc:4a:0c:04:1e:30:4e:42:89:c2:f4:a4:65:a4:46:3c';

describe('CloudMC SSH keys', () => {
  it('should give the MD5 fingerprint ssh-keygen prints, whatever the comment and spacing', () => {
    expect(md5Fingerprint(KEY)).toBe(KEY_MD5);
    expect(md5Fingerprint(`  ${KEY.replace('me@host', 'other')}\n`)).toBe(KEY_MD5);
    expect(md5Fingerprint('ssh-ed25519 not*base64')).toBeNull();
  });

  it('should compare fingerprints without case and with or without the MD5: prefix', () => {
    expect(sameFingerprint(KEY_MD5.toUpperCase(), `MD5:${KEY_MD5}`)).toBe(true);
    expect(sameFingerprint(KEY_MD5, KEY_MD5.replace('fc', 'fd'))).toBe(false);
    expect(sameFingerprint(null, KEY_MD5)).toBe(false);
  });

  it('should take names usable as ids (CloudMC addresses keys by name)', () => {
    for (const name of ['deploy', 'ops.key_1~x', 'a'.repeat(200)]) expect(SSH_KEY_NAME.test(name)).toBe(true);
    for (const name of ['', '.', '..', 'has space', 'a/b', 'a'.repeat(201)])
      expect(SSH_KEY_NAME.test(name)).toBe(false);
  });
});
