import { ResourceBase } from './resource-base.dto';

/** An SSH public key kept by a connection, to put on servers it creates (`sshKeyIds`). */
export class SshKey extends ResourceBase {
  /** The key's SHA256 fingerprint as `ssh-keygen -l` prints it (`SHA256:…`), when the public key is known. */
  fingerprint: string | null;
  /** The public key in OpenSSH form (`ssh-ed25519 AAAA… comment`), when the backend gives it back. */
  publicKey: string | null;
}
