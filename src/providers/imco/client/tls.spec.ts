import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../config/config.error';
import {
  type CertificateAuthority,
  type Issued,
  createCertificateAuthority,
  issueCertificate,
} from '../../../../sandbox/simulators/imco/imco-sim.certs';
import { ImcoTls, type ImcoTlsFiles, loadTlsMaterial } from './tls';

describe('IMCO TLS files', () => {
  let ca: CertificateAuthority;
  let first: Issued;
  let second: Issued;
  let dir: string;
  let files: ImcoTlsFiles;
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message: string) => warnings.push(message),
  };
  const write = (pair: Issued) => {
    writeFileSync(files.keyFile, pair.keyPem);
    writeFileSync(files.certFile, pair.certPem);
  };

  beforeAll(async () => {
    ca = await createCertificateAuthority('Unit CA');
    first = await issueCertificate(ca, { commonName: 'one', usage: 'client' });
    second = await issueCertificate(ca, { commonName: 'two', usage: 'client' });
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imco-tls-unit-'));
    mkdirSync(join(dir, 'private'));
    files = {
      certFile: join(dir, 'cert.crt'),
      keyFile: join(dir, 'private', 'cert.key'),
      caFile: join(dir, 'ca_cert.pem'),
    };
    write(first);
    writeFileSync(files.caFile, ca.certPem);
    warnings.length = 0;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tls = () => new ImcoTls('imco-eu', files, { maxSockets: 4, drainMs: 10 }, logger);

  it('should load a consistent set and keep one agent while nothing changes', () => {
    expect(loadTlsMaterial('imco-eu', files)).toEqual({
      cert: first.certPem,
      key: first.keyPem,
      ca: ca.certPem,
    });
    const material = tls();
    const agent = material.agent();
    expect(material.agent()).toBe(agent);
    expect(agent.options).toMatchObject({
      cert: first.certPem,
      key: first.keyPem,
      ca: ca.certPem,
      keepAlive: true,
    });
    material.close();
  });

  it('should build a new agent when the files change, and keep the old one while a change is inconsistent', () => {
    const material = tls();
    const before = material.agent();
    writeFileSync(files.keyFile, second.keyPem); // half a rotation: the key of another certificate
    expect(material.agent()).toBe(before);
    expect(warnings).toHaveLength(1);
    expect(material.agent()).toBe(before);
    expect(warnings).toHaveLength(1); // the same broken set is reported once
    writeFileSync(files.certFile, second.certPem);
    const after = material.agent();
    expect(after).not.toBe(before);
    expect(after.options).toMatchObject({ cert: second.certPem, key: second.keyPem });
    expect(material.pem.cert).toBe(second.certPem);
    material.close();
  });

  it.each([
    [
      'a missing file',
      () => rmSync(files.certFile),
      /IMCO connection 'imco-eu': tls\.certFile '.*cert\.crt' cannot be read \(ENOENT\)/,
    ],
    [
      'a file that is not a certificate',
      () => writeFileSync(files.caFile, 'hello'),
      /tls\.caFile '.*ca_cert\.pem' is not a PEM certificate/,
    ],
    [
      'a file that is not a key',
      () => writeFileSync(files.keyFile, first.certPem),
      /tls\.keyFile '.*cert\.key' is not a PEM private key/,
    ],
    [
      'a key of another certificate',
      () => writeFileSync(files.keyFile, second.keyPem),
      /tls\.keyFile '.*cert\.key' does not belong to the certificate in tls\.certFile '.*cert\.crt'/,
    ],
  ])('should refuse to start on %s, naming the connection and the file', (_label, spoil, message) => {
    spoil();
    expect(tls).toThrow(ConfigError);
    expect(tls).toThrow(message);
  });
});
