import { errors, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { PowerBiEmulator, POWER_BI_AUDIENCE, type PowerBiEmulatorOptions, type PowerBiModelJson, type VerifyAccessToken } from '../../../../dev/emulators/powerBi';
import { loadLocalCa } from '../../../../dev/tls/localCa';

// A Power BI emulator over real HTTPS with a frozen clock, a fake Entra (jose key pair made
// here) and a seeded tenant, for the tests to drive with plain fetch.

export const ids = {
  tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  spOid: '11111111-1111-4111-8111-111111111111',
  spAppId: '22222222-2222-4222-8222-222222222222',
  otherSpOid: '33333333-3333-4333-8333-333333333333',
  userOid: '44444444-4444-4444-8444-444444444444',
  /** Capacity workspace; the service principal is a member by object id. */
  wsMain: 'a0000000-0000-4000-8000-000000000001',
  /** Holds a shared dataset; the service principal is a member by app id. */
  wsShared: 'a0000000-0000-4000-8000-000000000002',
  /** The service principal is not a member. */
  wsForeign: 'a0000000-0000-4000-8000-000000000003',
  wsPersonal: 'a0000000-0000-4000-8000-000000000004',
  /** Only the profile is a member. */
  wsTenantA: 'a0000000-0000-4000-8000-000000000005',
  /** No capacity: subject to the trial quota. */
  wsTrial: 'a0000000-0000-4000-8000-000000000006',
  dsRls: 'd0000000-0000-4000-8000-000000000001',
  dsPlain: 'd0000000-0000-4000-8000-000000000002',
  dsShared: 'd0000000-0000-4000-8000-000000000003',
  dsForeign: 'd0000000-0000-4000-8000-000000000004',
  dsComposite: 'd0000000-0000-4000-8000-000000000005',
  dsAas: 'd0000000-0000-4000-8000-000000000006',
  dsPersonal: 'd0000000-0000-4000-8000-000000000007',
  dsTenantA: 'd0000000-0000-4000-8000-000000000008',
  dsTrial: 'd0000000-0000-4000-8000-000000000009',
  rRls: 'e0000000-0000-4000-8000-000000000001',
  rPlain: 'e0000000-0000-4000-8000-000000000002',
  rCross: 'e0000000-0000-4000-8000-000000000003',
  rForeign: 'e0000000-0000-4000-8000-000000000004',
  rPaginated: 'e0000000-0000-4000-8000-000000000005',
  rComposite: 'e0000000-0000-4000-8000-000000000006',
  rPersonal: 'e0000000-0000-4000-8000-000000000007',
  rTenantA: 'e0000000-0000-4000-8000-000000000008',
  rTrial: 'e0000000-0000-4000-8000-000000000009',
  dashPlain: 'b0000000-0000-4000-8000-000000000001',
  dashRls: 'b0000000-0000-4000-8000-000000000002',
  tilePlain: 'c0000000-0000-4000-8000-000000000001',
  tileRls: 'c0000000-0000-4000-8000-000000000002',
  profile: 'f0000000-0000-4000-8000-000000000001',
  otherProfile: 'f0000000-0000-4000-8000-000000000002',
  unknown: '99999999-9999-4999-8999-999999999999',
} as const;

export const seedModel: PowerBiModelJson = {
  workspaces: [
    {
      id: ids.wsMain,
      name: 'Sales',
      members: [ids.spOid, ids.userOid],
      capacity: true,
      datasets: [
        { id: ids.dsRls, name: 'Sales RLS', isEffectiveIdentityRequired: true, isEffectiveIdentityRolesRequired: true, roles: ['Region', 'Manager'] },
        { id: ids.dsPlain, name: 'Sales plain' },
        { id: ids.dsComposite, name: 'Composite', directQueryToDatasetIds: [ids.dsShared] },
        { id: ids.dsAas, name: 'AAS live', isEffectiveIdentityRequired: true, isAasLiveConnection: true },
      ],
      reports: [
        { id: ids.rRls, name: 'Sales by region', datasetId: ids.dsRls },
        { id: ids.rPlain, name: 'Sales overview', datasetId: ids.dsPlain },
        { id: ids.rCross, name: 'Shared data report', datasetId: ids.dsShared },
        { id: ids.rPaginated, name: 'Invoice', datasetId: ids.dsPlain, reportType: 'PaginatedReport', sqlDatasources: [{ server: 'invoices.database.windows.net', database: 'invoices' }] },
        { id: ids.rComposite, name: 'Composite report', datasetId: ids.dsComposite },
      ],
      dashboards: [
        { id: ids.dashPlain, displayName: 'Overview', tiles: [{ id: ids.tilePlain, title: 'Revenue', reportId: ids.rPlain }] },
        { id: ids.dashRls, displayName: 'Regional', tiles: [{ id: ids.tileRls, title: 'By region', reportId: ids.rRls }] },
      ],
    },
    { id: ids.wsShared, name: 'Shared data', members: [ids.spAppId], capacity: true, datasets: [{ id: ids.dsShared, name: 'Shared' }] },
    {
      id: ids.wsForeign,
      name: 'Someone else',
      members: [ids.otherSpOid],
      capacity: true,
      datasets: [{ id: ids.dsForeign, name: 'Foreign' }],
      reports: [{ id: ids.rForeign, name: 'Foreign report', datasetId: ids.dsForeign }],
    },
    {
      id: ids.wsPersonal,
      name: 'My workspace',
      members: [ids.spOid],
      isPersonal: true,
      datasets: [{ id: ids.dsPersonal, name: 'Personal' }],
      reports: [{ id: ids.rPersonal, name: 'Personal report', datasetId: ids.dsPersonal }],
    },
    {
      id: ids.wsTenantA,
      name: 'Tenant A',
      members: [ids.profile],
      capacity: true,
      datasets: [{ id: ids.dsTenantA, name: 'Tenant A data' }],
      reports: [{ id: ids.rTenantA, name: 'Tenant A report', datasetId: ids.dsTenantA }],
    },
    {
      id: ids.wsTrial,
      name: 'Trial',
      members: [ids.spOid],
      datasets: [{ id: ids.dsTrial, name: 'Trial data' }],
      reports: [{ id: ids.rTrial, name: 'Trial report', datasetId: ids.dsTrial }],
    },
  ],
  profiles: [
    { id: ids.profile, displayName: 'Tenant A', ownerId: ids.spOid },
    { id: ids.otherProfile, displayName: 'Not ours', ownerId: ids.otherSpOid },
  ],
};

export const NOW = Date.parse('2026-11-25T00:00:00Z');

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ErrorBody {
  error: { code: string; message?: string; details?: { message: string; target: string }[] };
}

export interface EmbedTokenBody {
  token: string;
  tokenId: string;
  expiration: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, for garbage bodies. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TokenOptions {
  ttlSeconds?: number;
  audience?: string;
  claims?: JWTPayload;
}

export interface PowerBiHarness {
  emulator: PowerBiEmulator;
  clock: { now: number };
  /** An Entra access token for the service principal (default) or other claims. */
  token(options?: TokenOptions): Promise<string>;
  call<T = Record<string, unknown>>(method: string, path: string, options?: CallOptions): Promise<Answer<T>>;
  close(): Promise<void>;
}

/** What the Entra emulator provides: jose verification, `code: 'expired'` for an expired token. */
function fakeEntraVerifier(publicKey: CryptoKey, clock: { now: number }): VerifyAccessToken {
  return async (token) => {
    try {
      return (await jwtVerify(token, publicKey, { currentDate: new Date(clock.now) })).payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw Object.assign(new Error('access token expired'), { code: 'expired' });
      throw error;
    }
  };
}

export async function startPowerBi(options: Partial<PowerBiEmulatorOptions> = {}): Promise<PowerBiHarness> {
  const clock = { now: NOW };
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR as string);
  const emulator = new PowerBiEmulator({
    tls: await ca.issueServerCertificate(),
    verifyAccessToken: fakeEntraVerifier(publicKey, clock),
    now: () => clock.now,
    model: seedModel,
    ...options,
  });
  const url = await emulator.listen();

  return {
    emulator,
    clock,
    async token({ ttlSeconds = 3600, audience = POWER_BI_AUDIENCE, claims } = {}) {
      const nowSeconds = Math.floor(clock.now / 1000);
      return new SignJWT(claims ?? { oid: ids.spOid, appid: ids.spAppId, tid: ids.tenant, idtyp: 'app' })
        .setProtectedHeader({ alg: 'ES256' })
        .setAudience(audience)
        .setIssuedAt(nowSeconds - 60)
        .setExpirationTime(nowSeconds + ttlSeconds)
        .sign(privateKey);
    },
    async call<T>(method: string, path: string, { token, body, rawBody, headers = {} }: CallOptions = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: keep the text.
      }
      return { status: res.status, headers: res.headers, body: parsed as T, text };
    },
    close: () => emulator.close(),
  };
}
