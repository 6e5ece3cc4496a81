import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// Certificates for the mutual-TLS simulator, made with @peculiar/x509 over Node's WebCrypto (no openssl).

x509.cryptoProvider.set(webcrypto as never);

type KeyPair = webcrypto.CryptoKeyPair;
type Key = webcrypto.CryptoKey;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** The organization every certificate of the sandbox names (docs/providers/imco.md#certificates). */
export const SANDBOX_ORGANIZATION = 'cloudmux sandbox';

/** The characters of an ASN.1 PrintableString: names made of these are accepted by every TLS stack. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

/**
 * IMCO's own clients take a certificate with OU `Hosts`, or one issued by O `Tapp`, for a host agent's and
 * switch to agent mode: the sandbox's names must never be either.
 */
const AGENT_NAMES = /^(tapp|hosts)$/i;

/** Why a name attribute value is unfit for the sandbox, or null when it is fine. */
function unfitName(value: string): string | null {
  if (!PRINTABLE.test(value)) return 'is not a PrintableString';
  if (AGENT_NAMES.test(value)) return "would make IMCO's clients take the certificate for a host agent's";
  return null;
}

/**
 * A distinguished name, most significant first, every value encoded as a PrintableString. Agent-like names are
 * not refused here (a test makes one to see it renewed): `ensurePki` checks its files with `hasSandboxNames`.
 */
function printableName(attributes: Array<[type: 'O' | 'OU' | 'CN', value: string | undefined]>): x509.Name {
  return new x509.Name(
    attributes
      .filter((attribute): attribute is ['O' | 'OU' | 'CN', string] => attribute[1] !== undefined)
      .map(([type, value]) => {
        if (!PRINTABLE.test(value))
          throw new Error(`The certificate name ${type}=${value} is not a PrintableString.`);
        return { [type]: [{ printableString: value }] };
      }),
  );
}

/** True when every value in the certificate's subject and issuer is fit for the sandbox (see `unfitName`). */
export function hasSandboxNames(certPem: string): boolean {
  try {
    const cert = new x509.X509Certificate(certPem);
    return [cert.subjectName, cert.issuerName]
      .flatMap((name) => name.toJSON())
      .flatMap((attribute) => Object.values(attribute).flat())
      .every((value) => unfitName(value) === null);
  } catch {
    return false;
  }
}

export interface Issued {
  certPem: string;
  keyPem: string;
}

/** A certificate authority able to sign leaf certificates. */
export interface CertificateAuthority extends Issued {
  keys: KeyPair;
  cert: x509.X509Certificate;
}

async function generateKeys(): Promise<KeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: Key): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Backdated an hour so that small clock differences never make a fresh certificate "not yet valid".
  return { notBefore: new Date(Date.now() - 60 * 60 * 1000), notAfter: new Date(Date.now() + days * DAY_MS) };
}

/** A self-signed CA (the platform CA users download as `ca_cert.pem`), named after the sandbox. */
export async function createCertificateAuthority(
  commonName: string,
  organization = SANDBOX_ORGANIZATION,
): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: printableName([
      ['O', organization],
      ['CN', commonName],
    ]),
    keys,
    signingAlgorithm: ALGORITHM,
    ...validity(3650),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, cert, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Reads a CA back from its PEM files (so a data folder keeps its CA across restarts). */
export async function loadCertificateAuthority(
  certPem: string,
  keyPem: string,
): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    ALGORITHM,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('spki', cert.publicKey.rawData, ALGORITHM, true, [
    'verify',
  ]);
  return { keys: { privateKey, publicKey }, cert, certPem, keyPem };
}

export interface LeafOptions {
  commonName: string;
  /** `server`: TLS server certificate with these DNS names and IP addresses; `client`: a user's API key. */
  usage: 'server' | 'client';
  dnsNames?: string[];
  ipAddresses?: string[];
  organizationalUnit?: string;
  /** `cloudmux sandbox` when absent. */
  organization?: string;
  days?: number;
}

/** A leaf certificate signed by `ca`, with a fresh key. */
export async function issueCertificate(ca: CertificateAuthority, options: LeafOptions): Promise<Issued> {
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    subject: printableName([
      ['O', options.organization ?? SANDBOX_ORGANIZATION],
      ['OU', options.organizationalUnit],
      ['CN', options.commonName],
    ]),
    // The CA's subject as it is encoded, so that the chain links byte for byte.
    issuer: ca.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    ...validity(options.days ?? 825),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** True when `certPem` was signed by `ca` and is valid for at least another day. */
export async function isIssuedBy(certPem: string, ca: CertificateAuthority): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(certPem);
    if (cert.notAfter.getTime() < Date.now() + DAY_MS) return false;
    return await cert.verify({ publicKey: ca.keys.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
