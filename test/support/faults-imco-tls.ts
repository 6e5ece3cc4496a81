import { renameSync, writeFileSync } from 'node:fs';
import { createCertificateAuthority, issueCertificate } from '../../sandbox/simulators/imco/imco-sim.certs';
import type { ImcoSimulatorHandle } from '../../sandbox/simulators/imco/imco.simulator';

/**
 * The PEM files a test gateway's IMCO connection uses (the simulator's data folder: the connection block points
 * there), changed in place while the gateway runs; the adapter re-reads them when they change on disk.
 */
export interface ImcoIdentity {
  /** A client certificate and key signed by a CA the simulator does not know. */
  useForeignClient(): Promise<void>;
  /** Trust only a CA that did not sign the simulator's server certificate. */
  useForeignCa(): Promise<void>;
  /** A certificate file that is not PEM at all (a botched rotation). */
  useBrokenCert(): void;
  /** The simulator's own client identity and CA again. */
  restore(): void;
}

/** Written to a temporary name, then renamed: the gateway never reads half a file. */
function replace(path: string, content: string): void {
  writeFileSync(`${path}.faults.tmp`, content, { mode: 0o600 });
  renameSync(`${path}.faults.tmp`, path);
}

export function imcoIdentity(handle: ImcoSimulatorHandle): ImcoIdentity {
  const { files, client, ca } = handle.pki;
  return {
    async useForeignClient() {
      const other = await createCertificateAuthority('Foreign CA');
      const intruder = await issueCertificate(other, { commonName: 'intruder', usage: 'client' });
      // Key first: a read between the two writes sees a mismatched pair and keeps the previous one.
      replace(files.keyFile, intruder.keyPem);
      replace(files.certFile, intruder.certPem);
    },
    async useForeignCa() {
      replace(files.caFile, (await createCertificateAuthority('Foreign CA')).certPem);
    },
    useBrokenCert() {
      replace(files.certFile, 'this is not a certificate\n');
    },
    restore() {
      replace(files.keyFile, client.keyPem);
      replace(files.certFile, client.certPem);
      replace(files.caFile, ca.certPem);
    },
  };
}
