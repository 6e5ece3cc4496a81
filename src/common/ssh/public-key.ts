import { createHash } from 'node:crypto';

/** Key types a gateway accepts (OpenSSH names); others are refused with a 400 naming the field. */
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

/** Longest public key line taken (an RSA 16384-bit key is ~2.8 KB). */
export const MAX_PUBLIC_KEY_LENGTH = 8192;

export interface PublicKey {
  type: string;
  /** The key blob as the line carries it (base64). */
  blob: string;
  comment: string;
}

/**
 * An OpenSSH public key line (`<type> <base64> [comment]`), or null when it is not one: the blob must decode
 * and start with the same type name, as `ssh-keygen` checks.
 */
export function parsePublicKey(text: string): PublicKey | null {
  if (text.length > MAX_PUBLIC_KEY_LENGTH) return null;
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: ([^\r\n]*))?$/.exec(text.trim());
  if (!match || !(SSH_KEY_TYPES as readonly string[]).includes(match[1])) return null;
  const bytes = Buffer.from(match[2], 'base64');
  if (bytes.length < 4) return null;
  const nameLength = bytes.readUInt32BE(0);
  if (nameLength + 4 > bytes.length || bytes.subarray(4, 4 + nameLength).toString('latin1') !== match[1])
    return null;
  return { type: match[1], blob: match[2], comment: match[3] ?? '' };
}

/** `SHA256:<base64 without padding>` of the key blob, as `ssh-keygen -l` prints it; null for a malformed key. */
export function sshFingerprint(publicKey: string | null | undefined): string | null {
  const parsed = publicKey ? parsePublicKey(publicKey) : null;
  if (!parsed) return null;
  const digest = createHash('sha256').update(Buffer.from(parsed.blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
