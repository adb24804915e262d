import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { MsalNetworkClient, type UpstreamCall } from '../../../shared/credentials/msalNetworkClient';

// msal-node's network client with a fake fetch and a fake clock: the timeout msal lacks, an
// answer msal can read even when Entra's body is not JSON, and a call report without secrets.

const TENANT = 'd3e0d3e0-0000-4000-8000-00000000d3e0';
const AUTHORITY = `https://login.test/${TENANT}`;
const TOKEN_URL = `${AUTHORITY}/oauth2/v2.0/token`;
const SECRET = 'super~secret~value';

interface Sent {
  url: string;
  init: RequestInit | undefined;
}

function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    sent.push({ url, init });
    return answer(url, init);
  };
  return { fetch, sent };
}

/** A clock that moves 7 ms every time it is read, so durations are known without real time. */
function steppingClock() {
  let now = 1_000;
  return () => (now += 7);
}

/**
 * Waits for the request's abort signal and rejects as fetch does, with an error named after the
 * signal's reason. (The reason itself is a DOMException from Node's realm, which is not an
 * `Error` inside jest's sandbox, though it is one in production.)
 */
function hangingFetch(url: string, init?: RequestInit): Promise<Response> {
  return new Promise((_resolve, reject) => {
    const signal = init?.signal;
    if (!signal) return reject(new Error(`no abort signal on ${url}`));
    signal.addEventListener('abort', () => {
      const reason = signal.reason as { name: string; message: string };
      reject(Object.assign(new Error(reason.message), { name: reason.name }));
    });
  });
}

const form = `client_id=app&client_secret=${SECRET}&grant_type=client_credentials&scope=https%3A%2F%2Fanalysis.windows.net%2Fpowerbi%2Fapi%2F.default`;

describe('MsalNetworkClient', () => {
  it('posts the body and headers msal gives, and returns status, headers and the parsed body', async () => {
    const { fetch, sent } = fakeFetch(() => Response.json({ token_type: 'Bearer', expires_in: 3600, access_token: 'at' }, { headers: { 'x-ms-request-id': 'req-1' } }));
    const client = new MsalNetworkClient(fetch, 5000);
    const response = await client.sendPostRequestAsync<Record<string, unknown>>(TOKEN_URL, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ token_type: 'Bearer', expires_in: 3600, access_token: 'at' });
    expect(response.headers['x-ms-request-id']).toBe('req-1');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.init).toMatchObject({ method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(sent[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends a GET without a body', async () => {
    const { fetch, sent } = fakeFetch(() => Response.json({ issuer: AUTHORITY }));
    await new MsalNetworkClient(fetch, 5000).sendGetRequestAsync(`${AUTHORITY}/v2.0/.well-known/openid-configuration`);
    expect(sent[0]?.init?.method).toBe('GET');
    expect(sent[0]?.init && 'body' in sent[0].init).toBe(false);
  });

  it('reports each call with status, duration and x-ms-request-id, and never the body or the query', async () => {
    const calls: UpstreamCall[] = [];
    const { fetch } = fakeFetch(() => Response.json({ error: 'invalid_client', error_description: `bad secret ${SECRET}` }, { status: 401, headers: { 'x-ms-request-id': 'req-401' } }));
    const client = new MsalNetworkClient(fetch, 5000, (call) => calls.push(call), steppingClock());
    const response = await client.sendPostRequestAsync(`${TOKEN_URL}?client-request-id=abc&client_secret=${SECRET}`, { body: form });
    expect(response.status).toBe(401);
    expect(calls).toEqual([{ target: 'entra', method: 'POST', path: `/${TENANT}/oauth2/v2.0/token`, status: 401, durationMs: 7, requestId: 'req-401', attempt: 1 }]);
    expect(JSON.stringify(calls)).not.toContain(SECRET);
  });

  it('turns a body that is not JSON into an error msal reads as invalid_response', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const response = await new MsalNetworkClient(fetch, 5000).sendPostRequestAsync<Record<string, unknown>>(TOKEN_URL, { body: form });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: 'invalid_response', error_description: 'Entra answered 502 with a body that is not JSON.' });
  });

  it('answers an empty body as an empty object', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const response = await new MsalNetworkClient(fetch, 5000).sendGetRequestAsync(TOKEN_URL);
    expect(response.body).toEqual({});
  });

  it('aborts a call that outlasts the timeout and reports it without a status', async () => {
    const calls: UpstreamCall[] = [];
    const client = new MsalNetworkClient(hangingFetch, 20, (call) => calls.push(call), steppingClock());
    const error = await client.sendPostRequestAsync(TOKEN_URL, { body: form }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(calls).toEqual([{ target: 'entra', method: 'POST', path: `/${TENANT}/oauth2/v2.0/token`, status: undefined, durationMs: 7, requestId: undefined, error: 'timeout', attempt: 1 }]);
  });

  it('uses the shorter of msal’s timeout and its own', async () => {
    const client = new MsalNetworkClient(hangingFetch, 60_000);
    const error = await client.sendGetRequestAsync(TOKEN_URL, {}, 20).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it('reports and rethrows a network failure', async () => {
    const calls: UpstreamCall[] = [];
    const refused = new TypeError('fetch failed');
    const client = new MsalNetworkClient(() => Promise.reject(refused), 5000, (call) => calls.push(call));
    await expect(client.sendPostRequestAsync(TOKEN_URL, { body: form })).rejects.toBe(refused);
    expect(calls).toEqual([expect.objectContaining({ status: undefined, error: 'TypeError' })]);
  });

  describe('under msal-node', () => {
    function msalWith(tokenAnswer: () => Response) {
      const { fetch, sent } = fakeFetch((url) => {
        if (url.startsWith(`${AUTHORITY}/v2.0/.well-known/openid-configuration`)) {
          return Response.json({ token_endpoint: TOKEN_URL, issuer: `${AUTHORITY}/v2.0`, authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`, jwks_uri: `${AUTHORITY}/discovery/v2.0/keys`, end_session_endpoint: `${AUTHORITY}/oauth2/v2.0/logout` });
        }
        if (url.startsWith(TOKEN_URL)) return tokenAnswer();
        return new Response('not found', { status: 404 });
      });
      const client = new ConfidentialClientApplication({
        auth: { clientId: 'b40ce000-0000-4000-8000-0000000000c1', authority: AUTHORITY, knownAuthorities: ['login.test'], clientSecret: SECRET },
        system: { networkClient: new MsalNetworkClient(fetch, 5000), loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
      });
      return { client, sent };
    }

    it('gets a token through the client', async () => {
      const { client, sent } = msalWith(() => Response.json({ token_type: 'Bearer', expires_in: 3600, access_token: 'entra-token' }));
      const result = await client.acquireTokenByClientCredential({ scopes: ['https://analysis.windows.net/powerbi/api/.default'] });
      expect(result?.accessToken).toBe('entra-token');
      expect(sent.filter((s) => s.url.startsWith(TOKEN_URL))).toHaveLength(1);
    });

    it('makes msal throw a readable error for a body that is not JSON', async () => {
      const { client } = msalWith(() => new Response('<html>Service Unavailable</html>', { status: 503, headers: { 'content-type': 'text/html' } }));
      const error = await client.acquireTokenByClientCredential({ scopes: ['https://analysis.windows.net/powerbi/api/.default'] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ errorCode: 'invalid_response' });
    });

    it('surfaces Entra’s invalid_client as msal’s errorCode', async () => {
      const { client } = msalWith(() => Response.json({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] }, { status: 401 }));
      const error = await client.acquireTokenByClientCredential({ scopes: ['https://analysis.windows.net/powerbi/api/.default'] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ errorCode: 'invalid_client' });
    });
  });
});
