// X.509 for the webhook: a private CA and a serving certificate it signs, generated in-process
// (@peculiar/x509 on Node's WebCrypto; ECDSA P-256, which the API server's Go TLS accepts), and the
// checks that decide when to renew. Time comes from the caller so rotation is testable.
import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// The library's key types are the DOM's; Node's WebCrypto objects are the same at run time.
type LibKeyPair = x509.X509CertificateCreateSelfSignedParams['keys'];
type LibKey = LibKeyPair['privateKey'];

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Certificates start this much in the past so a peer whose clock is a little behind accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;

export interface KeyPairPem {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return b.toString('hex');
}

function pem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n`;
}

export async function createCa(commonName: string, now: Date, validityMs: number): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
    signingAlgorithm: ALG,
    keys: keys as unknown as LibKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as LibKey),
    ],
  });
  return { cert: pem(cert), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

async function importKey(keyPem: string): Promise<LibKey> {
  const b64 = keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return (await webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, false, [
    'sign',
  ])) as unknown as LibKey;
}

/** A serving certificate for `dnsNames` (the first is also the CN), signed by `ca`. */
export async function issueServing(
  ca: KeyPairPem,
  dnsNames: readonly string[],
  now: Date,
  validityMs: number,
): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = new x509.X509Certificate(ca.cert);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${dnsNames[0] ?? 'webhook'}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as unknown as LibKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((n) => ({ type: 'dns' as const, value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: pem(cert), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** Parses a PEM certificate; undefined when it does not parse. */
export function parseCert(certPem: string | undefined): X509Certificate | undefined {
  if (!certPem) return undefined;
  try {
    return new X509Certificate(certPem);
  } catch {
    return undefined;
  }
}

/** Splits a PEM bundle into its certificates (unparsable blocks dropped). */
export function splitBundle(bundle: string | undefined): string[] {
  return (
    (bundle ?? '')
      .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
      ?.map((c) => `${c}\n`)
      .filter((c) => parseCert(c) !== undefined) ?? []
  );
}

export interface Lifetime {
  notBefore: Date;
  notAfter: Date;
}

export function lifetime(c: X509Certificate): Lifetime {
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo) };
}

/**
 * True when less than `fraction` of the certificate's lifetime is left at `now` (or it is not yet
 * valid, or expired). Renewing at a third left gives months of margin for yearly certificates.
 */
export function dueForRenewal(c: X509Certificate, now: Date, fraction = 1 / 3): boolean {
  const { notBefore, notAfter } = lifetime(c);
  const total = notAfter.getTime() - notBefore.getTime();
  if (now < notBefore) return true;
  return notAfter.getTime() - now.getTime() < total * fraction;
}

export function isExpired(c: X509Certificate, now: Date): boolean {
  return now >= lifetime(c).notAfter;
}

/** Whether `cert` was signed by `ca` and names every one of `dnsNames`. */
export function servingMatches(
  cert: X509Certificate,
  ca: X509Certificate,
  dnsNames: readonly string[],
): boolean {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  return dnsNames.every((n) => cert.checkHost(n, { wildcards: false, subject: 'never' }) === n);
}

/** Whether the private key belongs to the certificate. */
export function keyMatches(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
