import { createHash } from 'node:crypto';
import { parsePublicKey } from '../../../common/ssh/public-key';

/**
 * CloudMC's SSH keys (docs/providers/cloudmc.md#ssh-keys): addressed by name (`/sshkeys/:name`), so the name is
 * the native id and must be one (the wire schema's id pattern): 1 to 200 letters, digits and `._~-`, never `.`
 * or `..`.
 */
export const SSH_KEY_NAME = /^(?!\.\.?$)[A-Za-z0-9._~-]{1,200}$/;

/**
 * The fingerprint CloudStack shows for a key (the docs' sample: `91:8d:71:...`): MD5 of the key blob, lower-case
 * hex pairs joined by colons; null for what is not an OpenSSH public key.
 */
export function md5Fingerprint(publicKey: string): string | null {
  const parsed = parsePublicKey(publicKey);
  if (!parsed) return null;
  const digest = createHash('md5').update(Buffer.from(parsed.blob, 'base64')).digest('hex');
  return digest.match(/../g)!.join(':');
}

/** Whether two CloudMC fingerprints name the same key (compared without case, an optional `MD5:` prefix aside). */
export function sameFingerprint(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (f: string) => f.trim().toLowerCase().replace(/^md5:/, '');
  return !!a && !!b && norm(a) === norm(b);
}
