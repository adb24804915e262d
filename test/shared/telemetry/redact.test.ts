import { describeError, errorKind, redact, rememberSecret } from '../../../shared/telemetry/redact';

// The last line of defence for log and telemetry text: credentials are masked wherever an
// upstream library put them; ordinary diagnostic text is left as it is.

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJhdWQiOiJodHRwczovL2FuYWx5c2lzLndpbmRvd3MubmV0L3Bvd2VyYmkvYXBpIn0.TWFkZS11cC1zaWduYXR1cmUtZm9yLWEtdGVzdA';
const OPAQUE = 'Xy7~q8Q~AbCdEfGhIjKlMnOpQrStUvWxYz0123456';

describe('redact', () => {
  it.each([
    ['a JWT on its own', `token ${JWT} was refused`],
    ['a JWT inside JSON', `{"assertion":"${JWT}"}`],
    ['a JWT in a URL', `https://app.powerbi.test/reportEmbed?token=${JWT}&x=1`],
    ['a JWT without a signature (alg none)', `${JWT.split('.').slice(0, 2).join('.')}.`],
  ])('masks %s', (_name, text) => {
    const out = redact(text);
    expect(out).not.toContain(JWT.split('.')[1] as string);
    expect(out).toContain('[redacted-jwt]');
  });

  it.each([
    ['Bearer', `Authorization: Bearer ${OPAQUE}`],
    ['bearer (lower case)', `authorization: bearer ${OPAQUE}`],
    ['Basic', `Authorization: Basic ${Buffer.from(`user:${OPAQUE}`).toString('base64')}`],
  ])('masks a %s credential', (_scheme, text) => {
    const out = redact(text);
    expect(out).not.toContain(OPAQUE);
    expect(out).not.toContain(Buffer.from(`user:${OPAQUE}`).toString('base64'));
    expect(out).toMatch(/(Bearer|bearer|Basic) \[redacted\]/);
    expect(out.startsWith(text.split(':')[0] as string)).toBe(true);
  });

  it.each(['client_secret', 'client_assertion', 'access_token', 'refresh_token', 'id_token', 'password', 'sig', 'code'])('masks form and query values of %s', (field) => {
    const text = `grant_type=client_credentials&${field}=${encodeURIComponent(OPAQUE)}&scope=https%3A%2F%2Fanalysis.windows.net%2Fpowerbi%2Fapi%2F.default`;
    const out = redact(text);
    expect(out).toBe(`grant_type=client_credentials&${field}=[redacted]&scope=https%3A%2F%2Fanalysis.windows.net%2Fpowerbi%2Fapi%2F.default`);
  });

  it('masks a client secret however its field is spelled', () => {
    expect(redact(`CLIENT_SECRET=${OPAQUE}`)).toBe('CLIENT_SECRET=[redacted]');
  });

  it.each(['accessToken', 'access_token', 'token', 'secret', 'value', 'clientSecret', 'client_secret'])('masks the JSON field %s', (field) => {
    const out = redact(`{"id":"5a1e5000-0000-4000-8000-0000000000a1","${field}" : "${OPAQUE}","expiration":"2026-05-01T13:00:00Z"}`);
    expect(out).toBe(`{"id":"5a1e5000-0000-4000-8000-0000000000a1","${field}":"[redacted]","expiration":"2026-05-01T13:00:00Z"}`);
  });

  it('masks every occurrence, not just the first', () => {
    const out = redact(`{"token":"${OPAQUE}"} then client_secret=${OPAQUE} and again ${JWT} and ${JWT}`);
    expect(out).not.toContain(OPAQUE);
    expect(out.match(/\[redacted-jwt\]/g)).toHaveLength(2);
  });

  it.each([
    'Power BI refused the request (403 PowerBINotAuthorizedException). upstreamRequestId=7c2a0000-0000-4000-8000-000000000abc',
    'GET /v1.0/myorg/groups/5a1e5000-0000-4000-8000-000000000001/reports/5a1e5000-0000-4000-8000-0000000000a1 -> 429 in 12 ms',
    'Entra refused the service principal\'s credentials (invalid_client).',
    'Key Vault refused to return "powerbi-client-secret" (404).',
    'The embed token expires at 2026-05-01T13:00:00Z; tokenId 0f0e0d0c-0000-4000-8000-000000000001',
    '{"code":"upstream_unavailable","status":503,"retryAfter":5}',
    'https://login.microsoftonline.com/d3e0d3e0-0000-4000-8000-00000000d3e0/oauth2/v2.0/token',
  ])('leaves ordinary text untouched: %s', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('describeError', () => {
  it('gives the name, the code and the redacted message', () => {
    const error = Object.assign(new Error(`invalid_client: client_secret=${OPAQUE} Bearer ${OPAQUE}`), { name: 'ServerError', errorCode: 'invalid_client' });
    const out = describeError(error);
    expect(out).toBe('ServerError [invalid_client]: invalid_client: client_secret=[redacted] Bearer [redacted]');
  });

  it('prefers `code` over `errorCode` and masks a JWT in the message', () => {
    const error = Object.assign(new Error(`bad token ${JWT}`), { code: 'ERR_JWT_EXPIRED' });
    expect(describeError(error)).toBe('Error [ERR_JWT_EXPIRED]: bad token [redacted-jwt]');
  });

  it('says nothing about a thrown value that is not an error', () => {
    expect(describeError(`client_secret=${OPAQUE}`)).toBe('non-error value thrown');
    expect(describeError({ token: OPAQUE })).toBe('non-error value thrown');
  });
});

describe('redact JSON credential fields', () => {
  it('masks plain and escaped JSON fields whatever their value', () => {
    expect(redact('{"password":"hunter2","a":1}')).toBe('{"password":"[redacted]","a":1}');
    expect(redact('{"refresh_token": "r1"}')).toBe('{"refresh_token":"[redacted]"}');
    expect(redact('body was {\\"token\\":\\"abc\\"} end')).toBe('body was {\\"token\\":\\"[redacted]\\"} end');
  });
});

describe('redact with held credentials', () => {
  it('masks a credential value the broker holds, whatever its shape', () => {
    const secret = 'plain words make a secret too';
    expect(redact(`Entra said: the secret "${secret}" expired`)).toContain(secret);
    rememberSecret(secret);
    const out = redact(`Entra said: the secret "${secret}" expired; again: ${secret}`);
    expect(out).not.toContain(secret);
    expect(out).toBe('Entra said: the secret "[redacted]" expired; again: [redacted]');
  });

  it('ignores values too short to mask safely', () => {
    rememberSecret('abc');
    expect(redact('abcdef abc')).toBe('abcdef abc');
  });
});

describe('errorKind', () => {
  it('gives the name and code, never the message', () => {
    const error = Object.assign(new Error('AADSTS7000215: Invalid client secret provided: hunter2hunter2'), { name: 'ServerError', errorCode: 'invalid_client' });
    expect(errorKind(error)).toBe('ServerError [invalid_client]');
    expect(errorKind(Object.assign(new Error('x'), { code: 'secret value with spaces' }))).toBe('Error');
    expect(errorKind('thrown text')).toBe('non-error value');
  });
});
