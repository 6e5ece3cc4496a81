import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import {
  type CertificateAuthority,
  type Issued,
  createCertificateAuthority,
  hasSandboxNames,
  isIssuedBy,
  issueCertificate,
  loadCertificateAuthority,
} from './imco-sim.certs';

/**
 * The simulator's key material in its data folder, laid out like the API-key zip IMCO users download
 * (`ca_cert.pem`, `cert.crt`, `private/cert.key`), plus the server's own certificate and the CA key.
 */
export interface ImcoPkiFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  caKeyFile: string;
}

export interface ImcoPki {
  files: ImcoPkiFiles;
  ca: CertificateAuthority;
  server: Issued;
  client: Issued;
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 15_000;

export function pkiFiles(dataDir: string): ImcoPkiFiles {
  const dir = resolve(dataDir);
  return {
    caFile: join(dir, 'ca_cert.pem'),
    certFile: join(dir, 'cert.crt'),
    keyFile: join(dir, 'private', 'cert.key'),
    serverCertFile: join(dir, 'server', 'server.crt'),
    serverKeyFile: join(dir, 'server', 'server.key'),
    caKeyFile: join(dir, 'ca', 'ca_key.pem'),
  };
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Written to a temporary name, then renamed: a reader never sees half a PEM file. */
function writeAtomically(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

function keyMatches(pair: Issued): boolean {
  try {
    createSecureContext({ cert: pair.certPem, key: pair.keyPem });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Several simulators may start on one data folder at once (parallel tests): one makes the files. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  mkdirSync(dir, { recursive: true });
  const giveUpAt = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSafe(lock) ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > giveUpAt)
        throw new Error(`the IMCO simulator's data folder ${dir} stays locked`, { cause: error });
      else await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function statSafe(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

async function leaf(
  ca: CertificateAuthority,
  certFile: string,
  keyFile: string,
  issue: () => Promise<Issued>,
): Promise<Issued> {
  const existing = { certPem: read(certFile), keyPem: read(keyFile) };
  if (
    existing.certPem &&
    existing.keyPem &&
    keyMatches(existing as Issued) &&
    hasSandboxNames(existing.certPem) &&
    (await isIssuedBy(existing.certPem, ca))
  ) {
    return existing as Issued;
  }
  const fresh = await issue();
  writeAtomically(keyFile, fresh.keyPem, 0o600);
  writeAtomically(certFile, fresh.certPem, 0o644);
  return fresh;
}

/**
 * The CA, server certificate and client certificate of a data folder: made at the first start and kept, so a
 * gateway configured with the printed paths still trusts a restarted simulator. Delete the folder for new ones.
 * A folder made by an older sandbox, whose CA carried `O=Tapp` (which IMCO's own clients take for an agent
 * authority) or whose names are not PrintableStrings, gets a new CA and new certificates at the same paths.
 */
export async function ensurePki(dataDir: string): Promise<ImcoPki> {
  const files = pkiFiles(dataDir);
  return withLock(resolve(dataDir), async () => {
    let ca: CertificateAuthority | null = null;
    const caPem = read(files.caFile);
    const caKeyPem = read(files.caKeyFile);
    if (caPem && caKeyPem) ca = await loadCertificateAuthority(caPem, caKeyPem).catch(() => null);
    if (!ca || !hasSandboxNames(ca.certPem) || !(await isIssuedBy(ca.certPem, ca))) {
      ca = await createCertificateAuthority('cloudmux sandbox IMCO CA');
      writeAtomically(files.caKeyFile, ca.keyPem, 0o600);
      writeAtomically(files.caFile, ca.certPem, 0o644);
    }
    const authority = ca;
    const server = await leaf(authority, files.serverCertFile, files.serverKeyFile, () =>
      issueCertificate(authority, {
        commonName: 'clients.imco.sim',
        usage: 'server',
        // `sim-imco` is the simulator's service name in docker-compose.yml.
        dnsNames: ['localhost', 'clients.imco.sim', 'sim-imco'],
        ipAddresses: ['127.0.0.1', '::1'],
      }),
    );
    const client = await leaf(authority, files.certFile, files.keyFile, () =>
      issueCertificate(authority, {
        commonName: 'cloudmux sandbox user',
        usage: 'client',
        organizationalUnit: 'Users',
      }),
    );
    return { files, ca: authority, server, client };
  });
}
