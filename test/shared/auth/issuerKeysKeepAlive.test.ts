import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JwtAuthenticator } from '../../../shared/auth/jwtAuthenticator';

// Over real HTTP on loopback with Node's own fetch: the issuer's discovery document and then its
// keys, fetched one after the other for a caller's first token, share one kept-alive connection.

describe('issuer key fetches', () => {
  let server: Server;
  let connections = 0;
  let issuer = '';
  let jwks: unknown;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = req.url?.endsWith('/.well-known/openid-configuration') ? { issuer, jwks_uri: `${issuer}/keys` } : jwks;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/v2.0`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches discovery and keys over one connection', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: issuer, aud: 'api://broker', sub: 'user', scp: 'access_as_user', iat: now - 60, nbf: now - 60, exp: now + 3600 })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(privateKey);
    const auth = new JwtAuthenticator({ issuer, audiences: ['api://broker'] });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user' });
    expect(connections).toBe(1);
  });
});
