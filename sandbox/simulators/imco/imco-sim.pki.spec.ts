import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from './imco-sim.certs';
import { ensurePki, pkiFiles } from './imco-sim.pki';

// IMCO's own clients take a certificate issued by an `O=Tapp` authority, or one with `OU=Hosts`, for a host
// agent's (docs/providers/imco.md#certificates). The sandbox's names must be neither, and must fit an ASN.1
// PrintableString so that any TLS stack takes them.

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const PRINTABLE_STRING_TAG = 0x13;

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function tlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = (length << 8) | der[start + i];
    start += bytes;
  }
  return { tag, start, end: start + length };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const found: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = tlv(der, at);
    found.push(child);
    at = child.end;
  }
  return found;
}

/** Every attribute value of a DER certificate's issuer or subject name: its ASN.1 string tag and text. */
function nameAttributes(pem: string, which: 'issuer' | 'subject'): Array<{ tag: number; value: string }> {
  const der = new Uint8Array(new X509Certificate(pem).raw);
  const tbs = children(der, tlv(der, 0))[0];
  const fields = children(der, tbs).filter((f) => f.tag !== 0xa0); // [0] version, when present
  const name = fields[which === 'issuer' ? 2 : 4]; // serial, signature, issuer, validity, subject
  return children(der, name).flatMap((set) =>
    children(der, set).map((attribute) => {
      const value = children(der, attribute)[1]; // after the attribute type (an OID)
      return {
        tag: value.tag,
        value: Buffer.from(der.slice(value.start, value.end)).toString('latin1'),
      };
    }),
  );
}

function expectSandboxNamed(pem: string): void {
  for (const which of ['issuer', 'subject'] as const) {
    const attributes = nameAttributes(pem, which);
    expect(attributes.length).toBeGreaterThan(0);
    for (const attribute of attributes) {
      expect(attribute.value).toMatch(PRINTABLE);
      expect(attribute.tag).toBe(PRINTABLE_STRING_TAG);
      expect(attribute.value).not.toMatch(/tapp|hosts/i);
    }
  }
}

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'imco-pki-'));
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('imco simulator certificates', () => {
  it('names the CA and the client certificate after the sandbox, in PrintableString names without Tapp or Hosts', async () => {
    const pki = await ensurePki(dataDir);
    expectSandboxNamed(pki.ca.certPem);
    expectSandboxNamed(pki.client.certPem);
    expectSandboxNamed(pki.server.certPem);
    const ca = new X509Certificate(pki.ca.certPem);
    expect(ca.subject).toMatch(/cloudmux/i);
    expect(new X509Certificate(pki.client.certPem).checkIssued(ca)).toBe(true);
  });

  it('renews a data folder whose CA is named like an IMCO agent authority, and a client certificate with OU Hosts', async () => {
    const files = pkiFiles(dataDir);
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    x509.cryptoProvider.set(webcrypto as never);
    const agentCa = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=IMCO Simulator CA, O=Tapp',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 30 * 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    const keyPem = x509.PemConverter.encode(
      await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
      'PRIVATE KEY',
    );
    await ensurePki(dataDir);
    writeFileSync(files.caFile, agentCa.toString('pem'));
    writeFileSync(files.caKeyFile, keyPem);
    const renewed = await ensurePki(dataDir);
    expect(renewed.ca.certPem).not.toBe(agentCa.toString('pem'));
    expectSandboxNamed(renewed.ca.certPem);
    expectSandboxNamed(renewed.client.certPem);

    const hostLike = await issueCertificate(renewed.ca, {
      commonName: 'host',
      usage: 'client',
      organizationalUnit: 'Hosts',
    });
    writeFileSync(files.certFile, hostLike.certPem);
    writeFileSync(files.keyFile, hostLike.keyPem);
    const again = await ensurePki(dataDir);
    expect(again.ca.certPem).toBe(renewed.ca.certPem);
    expect(again.client.certPem).not.toBe(hostLike.certPem);
    expectSandboxNamed(again.client.certPem);
  });
});
