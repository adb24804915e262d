import { visibleRows, type DatasetTable } from '../../../../dev/emulators/powerBi/embedData';
import { ids, startPowerBi, type EmbedTokenBody, type PowerBiHarness } from './harness';

// The local report page's server side: the page, the data call its script makes with the embed
// token (RLS rows of the token's identity, refusal of expired, foreign or other-report tokens),
// and the admin setting for short token lifetimes. The script itself runs in test/browser.

const table: DatasetTable = {
  columns: ['region', 'amount'],
  rows: [
    { region: 'North', amount: 1 },
    { region: 'South', amount: 2 },
  ],
  rls: { column: 'region', roles: { Region: ['North'], Manager: '*' } },
};

describe('Power BI embed page', () => {
  let pbi: PowerBiHarness;
  let token: string;

  beforeAll(async () => {
    pbi = await startPowerBi();
    token = await pbi.token();
    pbi.emulator.setDatasetTable(ids.dsRls, table);
  });

  afterAll(() => pbi.close());

  const embedToken = async (roles: string[], reportId = ids.rRls) => {
    const res = await pbi.call<EmbedTokenBody>('POST', '/v1.0/myorg/GenerateToken', {
      token,
      body: { datasets: [{ id: ids.dsRls }], reports: [{ id: reportId }], identities: [{ username: 'alice@contoso.com', roles, datasets: [ids.dsRls] }] },
    });
    expect(res.status).toBe(200);
    return res.body;
  };
  const data = (reportId: string, embed: string) => fetch(`${pbi.emulator.url}/_embed/reports/${reportId}/data`, { headers: { authorization: `EmbedToken ${embed}` } });

  it('serves the report page and its script at the embed URL', async () => {
    const page = await fetch(`${pbi.emulator.url}/reportEmbed?reportId=${ids.rRls}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/_embed/reportEmbed.js');
  });

  it('answers the rows the token’s RLS roles may see', async () => {
    const region = await data(ids.rRls, (await embedToken(['Region'])).token);
    expect(region.status).toBe(200);
    expect(await region.json()).toMatchObject({ report: { id: ids.rRls }, identity: { username: 'alice@contoso.com', roles: ['Region'] }, columns: ['region', 'amount'], rows: [{ region: 'North', amount: 1 }] });
    const manager = (await (await data(ids.rRls, (await embedToken(['Manager'])).token)).json()) as { rows: unknown[] };
    expect(manager.rows).toHaveLength(2);
  });

  it('refuses a missing, altered or other-report token, and an expired one as TokenExpired', async () => {
    const { token: embed, expiration } = await embedToken(['Region']);
    expect((await fetch(`${pbi.emulator.url}/_embed/reports/${ids.rRls}/data`)).status).toBe(403);
    expect((await data(ids.rRls, `${embed.slice(0, -2)}xx`)).status).toBe(403);
    const other = await data(ids.rPlain, embed);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: 'PowerBINotAuthorizedException' } });
    const before = pbi.clock.now;
    pbi.clock.now = Date.parse(expiration);
    try {
      const expired = await data(ids.rRls, embed);
      expect(expired.status).toBe(403);
      expect(await expired.json()).toMatchObject({ error: { code: 'TokenExpired' } });
    } finally {
      pbi.clock.now = before;
    }
  });

  it('issues tokens with the lifetime set through the admin API', async () => {
    const set = await fetch(`${pbi.emulator.url}/_emulator/embed-token-lifetime`, { method: 'PUT', body: JSON.stringify({ seconds: 20 }) });
    expect(set.status).toBe(200);
    expect(await (await fetch(`${pbi.emulator.url}/_emulator/embed-token-lifetime`)).json()).toEqual({ seconds: 20 });
    const { expiration } = await embedToken(['Region']);
    expect(Date.parse(expiration) - pbi.clock.now).toBe(20_000);
    expect((await fetch(`${pbi.emulator.url}/_emulator/embed-token-lifetime`, { method: 'PUT', body: JSON.stringify({ seconds: 0 }) })).status).toBe(400);
    pbi.emulator.reset();
    expect(await (await fetch(`${pbi.emulator.url}/_emulator/embed-token-lifetime`)).json()).toEqual({ seconds: 3600 });
  });
});

describe('visibleRows', () => {
  const identity = (roles: string[], datasets = ['ds']) => ({ username: 'u', roles, datasets });

  it('unions the roles’ filters; a dataset without RLS shows every row', () => {
    const both = { ...table, rls: { column: 'region', roles: { N: ['North'], S: ['South'] } } };
    expect(visibleRows(both, 'ds', [identity(['N', 'S'])])).toHaveLength(2);
    expect(visibleRows(both, 'ds', [identity(['N'])])).toEqual([{ region: 'North', amount: 1 }]);
    expect(visibleRows(both, 'ds', [identity(['N'], ['other'])])).toEqual([]);
    expect(visibleRows({ columns: table.columns, rows: table.rows }, 'ds', [])).toHaveLength(2);
  });
});
