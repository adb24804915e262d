import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionLogFilter } from '../../../dev/host/hostJson';
import { startLocalHost } from '../../../dev/host/localHost';
import '../../fixtures/sampleFunctions';
import { recorded } from '../../helpers/functionsCore';

// host.json's logging.logLevel decides which of a function's logs the host keeps, as in Azure.

function appDirWith(hostJson: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'host-json-'));
  writeFileSync(join(dir, 'host.json'), JSON.stringify(hostJson));
  return dir;
}

describe('functionLogFilter', () => {
  it('takes the longest matching category, then default, then Information', () => {
    const keep = functionLogFilter(appDirWith({ logging: { logLevel: { default: 'Error', Function: 'Warning', 'Function.embedReport': 'Debug', 'Function.quiet.User': 'None' } } }));
    expect(keep('health', 'information')).toBe(false);
    expect(keep('health', 'warning')).toBe(true);
    expect(keep('embedReport', 'debug')).toBe(true);
    expect(keep('embedReport', 'trace')).toBe(false);
    // Case does not matter, in the category or the level.
    expect(keep('EMBEDREPORT', 'Information')).toBe(true);
    expect(keep('quiet', 'critical')).toBe(false);
    // As .NET's filter rules match: a plain prefix ("Function.embed" covers "Function.embedReport"), and one "*".
    const prefixes = functionLogFilter(appDirWith({ logging: { logLevel: { default: 'Information', 'Function.embed': 'None', 'F*.User': 'Error', 'Function.health': 'Debug' } } }));
    expect(prefixes('embedReport', 'critical')).toBe(false);
    expect(prefixes('embed', 'critical')).toBe(false);
    expect(prefixes('other', 'warning')).toBe(false);
    expect(prefixes('other', 'error')).toBe(true);
    // The longest matching category wins: "Function.health" over "F*.User"; of equal ones, the later.
    expect(prefixes('health', 'debug')).toBe(true);
    const ties = functionLogFilter(appDirWith({ logging: { logLevel: { 'Function.a': 'Error', 'Function.b': 'None', 'Function.ab': 'Warning', 'Function.a*': 'Debug' } } }));
    expect(ties('ab', 'debug')).toBe(true);
    expect(functionLogFilter(appDirWith({}))('any', 'information')).toBe(true);
    expect(functionLogFilter(appDirWith({}))('any', 'debug')).toBe(false);
  });

  it("is what this repository's host.json says: a function's information lines are dropped, warnings kept", () => {
    const keep = functionLogFilter(join(__dirname, '..', '..', '..'));
    expect(keep('embedReport', 'information')).toBe(false);
    expect(keep('embedReport', 'warning')).toBe(true);
  });

  it('drops what it filters before the host writes a line', async () => {
    const lines: string[] = [];
    const keep = functionLogFilter(appDirWith({ logging: { logLevel: { Function: 'Information' } } }));
    const host = await startLocalHost({ functions: recorded.functions, routePrefix: 'api', keepFunctionLog: keep, log: (level, message) => lines.push(`${level} ${message}`) });
    try {
      expect((await fetch(`${host.url}/api/logs`)).status).toBe(204);
    } finally {
      await host.close();
    }
    expect(lines).toEqual(['information logs: an info line', 'warning logs: a warning line']);
  });
});
