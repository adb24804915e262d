import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

// A throwaway certificate authority for the local emulators: made at start-up,
// trusted by child processes through NODE_EXTRA_CA_CERTS, never used outside loopback.

type CryptoKey = webcrypto.CryptoKey;
const crypto = webcrypto;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export const CA_CERT_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface LocalCa extends PemPair {
  /** Issues a TLS server certificate for the given host names and IP addresses. */
  issueServerCertificate(hosts?: readonly string[]): Promise<PemPair>;
}

function toPem(der: ArrayBuffer, label: string): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(body, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return toPem(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

function buildCa(caCert: x509.X509Certificate, caKey: CryptoKey, pems: PemPair): LocalCa {
  return {
    ...pems,
    async issueServerCertificate(hosts = ['localhost', '127.0.0.1', '::1']) {
      const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.create({
        subject: 'CN=powerbi-embed-broker local emulator',
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - DAY_MS),
        notAfter: new Date(Date.now() + 30 * DAY_MS),
        signingAlgorithm,
        publicKey: keys.publicKey,
        signingKey: caKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(
            hosts.map((host) => (isIpAddress(host) ? { type: 'ip', value: host } : { type: 'dns', value: host })),
          ),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKey(keys.privateKey) };
    },
  };
}

export async function createLocalCa(): Promise<LocalCa> {
  const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=powerbi-embed-broker local CA ${new Date().toISOString()}`,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    signingAlgorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return buildCa(cert, keys.privateKey, { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKey(keys.privateKey) });
}

export async function saveLocalCa(ca: LocalCa, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, CA_CERT_FILE);
  await writeFile(certFile, ca.certPem);
  await writeFile(join(dir, CA_KEY_FILE), ca.keyPem, { mode: 0o600 });
  return certFile;
}

export async function loadLocalCa(dir: string): Promise<LocalCa> {
  const certPem = await readFile(join(dir, CA_CERT_FILE), 'utf8');
  const keyPem = await readFile(join(dir, CA_KEY_FILE), 'utf8');
  const cert = new x509.X509Certificate(certPem);
  const key = await crypto.subtle.importKey('pkcs8', fromPem(keyPem), keyAlgorithm, true, ['sign']);
  return buildCa(cert, key, { certPem, keyPem });
}
