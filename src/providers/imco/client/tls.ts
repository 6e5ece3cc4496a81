import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../../../config/config.error';
import type { AdapterLogger } from '../../ports/provider-adapter';

/** The three PEM files of an IMCO API key (`cert.crt`, `private/cert.key`, `ca_cert.pem`). */
export interface ImcoTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface ImcoTlsMaterial {
  cert: string;
  key: string;
  ca: string;
}

type FileField = keyof ImcoTlsFiles;
const FIELDS: FileField[] = ['certFile', 'keyFile', 'caFile'];

/** A problem with one of the files, phrased for an operator. */
class TlsFileProblem extends Error {}

function readPem(connection: string, field: FileField, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TlsFileProblem(
      `IMCO connection '${connection}': tls.${field} '${path}' cannot be read (${code})`,
    );
  }
}

/** Reads and checks the files: PEM certificates, a private key, and a key that belongs to the certificate. */
export function loadTlsMaterial(connection: string, files: ImcoTlsFiles): ImcoTlsMaterial {
  const material = {
    cert: readPem(connection, 'certFile', files.certFile),
    key: readPem(connection, 'keyFile', files.keyFile),
    ca: readPem(connection, 'caFile', files.caFile),
  };
  const at = (field: FileField) => `IMCO connection '${connection}': tls.${field} '${files[field]}'`;
  for (const [field, pem] of [
    ['certFile', material.cert],
    ['caFile', material.ca],
  ] as const) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new TlsFileProblem(`${at(field)} is not a PEM certificate`);
    }
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material.key))
    throw new TlsFileProblem(`${at('keyFile')} is not a PEM private key`);
  try {
    createSecureContext(material);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' || /key values mismatch/i.test(String(error)))
      throw new TlsFileProblem(
        `${at('keyFile')} does not belong to the certificate in tls.certFile '${files.certFile}'`,
      );
    throw new TlsFileProblem(
      `${at('certFile')} and tls.keyFile cannot be used together (${code || String(error)})`,
    );
  }
  return material;
}

function signatureOf(files: ImcoTlsFiles): string {
  return FIELDS.map((field) => {
    try {
      const stat = statSync(files[field]);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}

export interface TlsAgentOptions {
  /** Sockets per agent (the connection's concurrency). */
  maxSockets: number;
  /** How long a replaced agent keeps serving calls already under way. */
  drainMs: number;
}

/**
 * The client certificate, key and CA of one connection, as an HTTPS agent that trusts only that CA. The files are
 * checked at start-up (a bad file stops the gateway with a message naming it) and re-read when they change on disk,
 * so a rotated API key takes effect without a restart; a broken rotation keeps the previous agent and is logged.
 */
export class ImcoTls {
  private material: ImcoTlsMaterial;
  private current: HttpsAgent;
  private loaded: string;
  private refused: string | null = null;
  private readonly retired = new Set<HttpsAgent>();

  constructor(
    private readonly connection: string,
    private readonly files: ImcoTlsFiles,
    private readonly options: TlsAgentOptions,
    private readonly logger: AdapterLogger,
  ) {
    this.loaded = signatureOf(files);
    try {
      this.material = loadTlsMaterial(connection, files);
    } catch (error) {
      if (error instanceof TlsFileProblem) throw new ConfigError([error.message]);
      throw error;
    }
    this.warnIfExpiring();
    this.current = this.agentFor(this.material);
  }

  /** The agent for the next call; re-reads the files first when any of them changed. */
  agent(): HttpsAgent {
    const signature = signatureOf(this.files);
    if (signature !== this.loaded && signature !== this.refused) this.reload(signature);
    return this.current;
  }

  /** The PEM material in use (for the handshake diagnosis). */
  get pem(): ImcoTlsMaterial {
    this.agent();
    return this.material;
  }

  close(): void {
    this.current.destroy();
    for (const agent of this.retired) agent.destroy();
    this.retired.clear();
  }

  private reload(signature: string): void {
    try {
      this.material = loadTlsMaterial(this.connection, this.files);
    } catch (error) {
      // Files are often replaced one at a time: wait for the set to be consistent again.
      this.refused = signature;
      this.logger.warn('IMCO TLS files changed but cannot be used yet; keeping the previous ones', {
        problem: (error as Error).message,
      });
      return;
    }
    const previous = this.current;
    this.current = this.agentFor(this.material);
    this.loaded = signature;
    this.refused = null;
    this.retired.add(previous);
    setTimeout(() => {
      previous.destroy();
      this.retired.delete(previous);
    }, this.options.drainMs).unref();
    this.logger.info('IMCO TLS files reloaded');
    this.warnIfExpiring();
  }

  private agentFor(material: ImcoTlsMaterial): HttpsAgent {
    return new HttpsAgent({
      keepAlive: true,
      maxSockets: this.options.maxSockets,
      cert: material.cert,
      key: material.key,
      // Only the platform CA is trusted for the server, never the public roots
      // (docs/providers/imco.md#authentication-mutual-tls).
      ca: material.ca,
    });
  }

  private warnIfExpiring(): void {
    const validTo = Date.parse(new X509Certificate(this.material.cert).validTo);
    if (validTo < Date.now() + 7 * 24 * 60 * 60 * 1000) {
      this.logger.warn('the IMCO client certificate expires within a week or has expired', {
        validTo: new Date(validTo).toISOString(),
      });
    }
  }
}
