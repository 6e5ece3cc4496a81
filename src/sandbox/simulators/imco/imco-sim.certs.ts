import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// Certificates for the mutual-TLS simulator, made with @peculiar/x509 over Node's WebCrypto (no openssl).

x509.cryptoProvider.set(webcrypto as never);

type KeyPair = webcrypto.CryptoKeyPair;
type Key = webcrypto.CryptoKey;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

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

/** A self-signed CA (the platform CA users download as `ca_cert.pem`). */
export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}, O=Tapp`,
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
  const unit = options.organizationalUnit ? `, OU=${options.organizationalUnit}` : '';
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.commonName}${unit}`,
    issuer: ca.cert.subject,
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
