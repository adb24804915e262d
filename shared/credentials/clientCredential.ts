import { X509Certificate } from 'node:crypto';
import { BrokerError } from '../errors/brokerError';

// What the service principal proves itself with: a client secret, a certificate (key and
// certificate as PEM, as Key Vault exports a PEM certificate), or a federated assertion.

export type ClientCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; thumbprintSha256: string; privateKey: string; x5c: string }
  | { kind: 'assertion'; getAssertion: () => Promise<string> };

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

export function certificateFromPem(pem: string): ClientCredential {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const key = blocks.find((b) => /PRIVATE KEY$/.test(b[1] as string))?.[0];
  const cert = blocks.find((b) => b[1] === 'CERTIFICATE')?.[0];
  if (!key || !cert) {
    throw new BrokerError('upstream_invalid_response', 'The Key Vault certificate must be exported as PEM with its private key (content type application/x-pem-file).', {
      extensions: { upstream: 'keyvault' },
    });
  }
  const thumbprintSha256 = new X509Certificate(cert).fingerprint256.replace(/:/g, '').toLowerCase();
  return { kind: 'certificate', thumbprintSha256, privateKey: key, x5c: cert };
}
