import { createHash } from 'node:crypto';
import { asBody, requiredStrings } from './cloudmc-sim.body';
import { invalidField } from './cloudmc-sim.errors';
import type { SshKeyRecord } from './cloudmc-sim.model';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';

// SSH keys (`sshkeys`), addressed by name: list and get as the CloudStack plugin's docs show them (name and
// fingerprint), register and delete as go-cloudca and Terraform call them (POST {name, publicKey}, DELETE /:name).

/** Key types CloudStack's registerSSHKeyPair takes (OpenSSH names). */
const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

/**
 * The blob of an OpenSSH public key line (`<type> <base64> [comment]`) whose encoded type matches the line's, or
 * undefined when the text is not one.
 */
export function publicKeyBlob(text: string): Buffer | undefined {
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/.exec(text.trim());
  if (!match || !KEY_TYPES.has(match[1])) return undefined;
  const blob = Buffer.from(match[2], 'base64');
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (4 + length > blob.length || blob.subarray(4, 4 + length).toString('latin1') !== match[1])
    return undefined;
  return blob;
}

/** CloudStack's fingerprint: MD5 of the blob, lower-case hex pairs joined by colons (the docs' sample shape). */
export function fingerprintOf(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

/** What the API shows of a key: its name and fingerprint, never the public key. */
export function renderSshKey(key: SshKeyRecord): Record<string, unknown> {
  return { name: key.name, fingerprint: key.fingerprint };
}

/** `POST /sshkeys {name, publicKey}`: the name must be free in the environment, the key an OpenSSH public key. */
export function createSshKey(state: CloudmcSimState, raw: unknown): string {
  const body = asBody(raw);
  const { name, publicKey } = requiredStrings(body, ['name', 'publicKey']);
  if (name.length > 255 || /[\s/?#]/.test(name))
    throw invalidField('name', 'The name may not hold spaces, / ? or # and is at most 255 characters');
  if (state.sshKeys.has(name)) throw invalidField('name', `An SSH key named ${name} already exists`);
  const blob = publicKeyBlob(publicKey);
  if (!blob) throw invalidField('publicKey', 'The public key is not a valid OpenSSH public key');
  const key: SshKeyRecord = { name, fingerprint: fingerprintOf(blob), publicKey: publicKey.trim() };
  // Taken at once, so that a second register of the same name is refused while the first runs.
  state.sshKeys.set(name, key);
  return state.runTask('sshkeys.create', DURATIONS.sshKey, {
    complete: () => renderSshKey(key),
    rollback: () => {
      if (state.sshKeys.get(name) === key) state.sshKeys.delete(name);
    },
  });
}

/** `DELETE /sshkeys/:name`: CloudStack deletes a key pair whether instances were made with it or not. */
export function deleteSshKey(state: CloudmcSimState, key: SshKeyRecord): string {
  return state.runTask('sshkeys.delete', DURATIONS.sshKey, {
    complete: () => {
      if (state.sshKeys.get(key.name) === key) state.sshKeys.delete(key.name);
      return { name: key.name };
    },
  });
}
