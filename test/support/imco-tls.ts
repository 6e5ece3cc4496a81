import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../sandbox/simulators/imco/imco-sim.certs';
import type { ImcoSimulatorHandle } from '../../sandbox/simulators/imco/imco.simulator';

/** A folder with PEM files a test may change: the simulator's own identity, copied. */
export interface TlsFolder {
  dir: string;
  files: { certFile: string; keyFile: string; caFile: string };
  /** Puts a client certificate and key signed by a CA the simulator does not know. */
  useForeignClient(): Promise<void>;
  /** Trusts a CA that did not sign the simulator's server certificate. */
  useForeignCa(): Promise<void>;
  /** Restores the simulator's own identity. */
  restore(): void;
}

export function tlsFolder(sim: ImcoSimulatorHandle): TlsFolder {
  const dir = mkdtempSync(join(tmpdir(), 'imco-tls-'));
  mkdirSync(join(dir, 'private'), { recursive: true });
  const files = {
    certFile: join(dir, 'cert.crt'),
    keyFile: join(dir, 'private', 'cert.key'),
    caFile: join(dir, 'ca_cert.pem'),
  };
  const restore = () => {
    copyFileSync(sim.pki.files.certFile, files.certFile);
    copyFileSync(sim.pki.files.keyFile, files.keyFile);
    copyFileSync(sim.pki.files.caFile, files.caFile);
  };
  restore();
  return {
    dir,
    files,
    restore,
    async useForeignClient() {
      const other = await createCertificateAuthority('Foreign CA');
      const client = await issueCertificate(other, { commonName: 'intruder', usage: 'client' });
      // Key first: a reader between the two writes sees a mismatch and keeps the previous pair.
      writeFileSync(files.keyFile, client.keyPem);
      writeFileSync(files.certFile, client.certPem);
    },
    async useForeignCa() {
      const other = await createCertificateAuthority('Foreign CA');
      writeFileSync(files.caFile, other.certPem);
    },
  };
}
