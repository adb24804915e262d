import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// host.json's telemetry settings: the Functions host records every request and exception (never
// sampled away), keeps the broker's warnings and drops the per-invocation information lines.

interface HostJson {
  logging: {
    logLevel: Record<string, string>;
    applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes: string } };
  };
}

const hostJson = JSON.parse(readFileSync(join(__dirname, '..', 'host.json'), 'utf8')) as HostJson;

describe('host.json', () => {
  it('never samples requests or exceptions', () => {
    const types = hostJson.logging.applicationInsights.samplingSettings.excludedTypes.split(';').map((t) => t.trim());
    expect(types).toEqual(expect.arrayContaining(['Request', 'Exception']));
  });

  it('records requests, keeps warnings of the functions, and drops information noise', () => {
    const levels = hostJson.logging.logLevel;
    // Requests are the Host.Results category: below Information they would not be recorded at all.
    expect(levels['Host.Results']).toBe('Information');
    expect(levels.Function).toBe('Warning');
    expect(levels.default).toBe('Warning');
  });
});
