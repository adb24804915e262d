import { ItemMetadataCache } from '../../../shared/powerbi/itemMetadata';
import { PowerBiClient } from '../../../shared/powerbi/powerBiClient';

// Report and dataset metadata through the real client over a fake fetch: every Power BI call
// the cache makes is counted.

const WORKSPACE = '5a1e5000-0000-4000-8000-000000000001';
const REPORT_A = '5a1e5000-0000-4000-8000-0000000000a1';
const REPORT_B = '5a1e5000-0000-4000-8000-0000000000a2';
const DATASET = '5a1e5000-0000-4000-8000-0000000000d1';

function fakePowerBi(options: { failFirst?: number } = {}) {
  const calls: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let failures = options.failFirst ?? 0;
  const fetch = async (url: string) => {
    const path = new URL(url).pathname;
    calls.push(path);
    await gate;
    if (failures > 0) {
      failures -= 1;
      return Response.json({ error: { code: 'PowerBIEntityNotFound' } }, { status: 404 });
    }
    const id = path.split('/').at(-1) as string;
    if (path.includes('/reports/')) return Response.json({ id, name: `report ${id}`, datasetId: DATASET, embedUrl: `https://app.powerbi.test/reportEmbed?reportId=${id}`, reportType: 'PowerBIReport' });
    return Response.json({ id, name: 'Sales', isEffectiveIdentityRequired: true, isEffectiveIdentityRolesRequired: true });
  };
  const client = new PowerBiClient({ apiUrl: 'https://api.powerbi.test', getAccessToken: async () => 'token', fetch, callTimeoutMs: 5000, deadlineMs: 5000, sleep: async () => undefined });
  return {
    client,
    calls,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

describe('ItemMetadataCache', () => {
  it('fetches a report once and then serves it from memory', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    const first = await cache.report(WORKSPACE, REPORT_A);
    const second = await cache.report(WORKSPACE, REPORT_A);
    expect(second).toBe(first);
    expect(first).toMatchObject({ id: REPORT_A, datasetId: DATASET });
    expect(pbi.calls).toEqual([`/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT_A}`]);
  });

  it('keeps items apart: reports by id, datasets separately', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    await cache.report(WORKSPACE, REPORT_A);
    await cache.report(WORKSPACE, REPORT_B);
    await expect(cache.dataset(WORKSPACE, DATASET)).resolves.toMatchObject({ id: DATASET, isEffectiveIdentityRequired: true });
    await cache.dataset(WORKSPACE, DATASET);
    await cache.report(WORKSPACE, REPORT_B);
    expect(pbi.calls).toHaveLength(3);
  });

  it('treats ids that differ only in case as one item', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    await cache.report(WORKSPACE, REPORT_A);
    await cache.report(WORKSPACE.toUpperCase(), REPORT_A.toUpperCase());
    expect(pbi.calls).toHaveLength(1);
  });

  it('shares one fetch between concurrent misses for the same item', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    pbi.hold();
    const readers = Array.from({ length: 25 }, () => cache.report(WORKSPACE, REPORT_A));
    const datasetReaders = Array.from({ length: 25 }, () => cache.dataset(WORKSPACE, DATASET));
    await new Promise((resolve) => setImmediate(resolve));
    pbi.release();
    const reports = await Promise.all(readers);
    await Promise.all(datasetReaders);
    expect(new Set(reports).size).toBe(1);
    expect(pbi.calls).toEqual([`/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT_A}`, `/v1.0/myorg/groups/${WORKSPACE}/datasets/${DATASET}`]);
  });

  it('does not keep a failure: the next call asks Power BI again', async () => {
    const pbi = fakePowerBi({ failFirst: 1 });
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    await expect(cache.report(WORKSPACE, REPORT_A)).rejects.toMatchObject({ code: 'upstream_refused', extensions: { upstreamCode: 'PowerBIEntityNotFound' } });
    await expect(cache.report(WORKSPACE, REPORT_A)).resolves.toMatchObject({ id: REPORT_A });
    expect(pbi.calls).toHaveLength(2);
  });

  it('holds at most maxItems entries', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 1 });
    await cache.report(WORKSPACE, REPORT_A);
    await cache.report(WORKSPACE, REPORT_B);
    await cache.report(WORKSPACE, REPORT_A);
    expect(pbi.calls).toHaveLength(3);
  });

  it('refuses an id that is not a GUID without calling Power BI', async () => {
    const pbi = fakePowerBi();
    const cache = new ItemMetadataCache(pbi.client, { ttlMs: 60_000, maxItems: 10 });
    await expect(cache.report(WORKSPACE, '../datasets')).rejects.toMatchObject({ code: 'upstream_invalid_response' });
    expect(pbi.calls).toHaveLength(0);
  });
});
