import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileInfra, describeWithBicep } from '../infra/bicepCli';
import { appSettings, deployMain } from '../infra/infraFixture';

// The configuration table in the README, the settings the code reads, local.settings.sample.json
// and the Bicep app settings must name the same settings.

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');


function readmeSettings(): string[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(section.indexOf('| setting |'), section.indexOf('\n\n', section.indexOf('| setting |')));
  return [...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string);
}

function settingsReadByCode(): string[] {
  const source = read('shared/config/config.ts');
  return [...source.matchAll(/(?:optional|required|integer|oneOf|boolean|list)\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] as string);
}

describe('settings stay in step', () => {
  const documented = new Set(readmeSettings());

  it('the README documents every setting the code reads, and no other', () => {
    const read = new Set(settingsReadByCode());
    for (const name of read) if (!['WEBSITE_INSTANCE_ID', 'MSI_ENDPOINT'].includes(name)) expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
    for (const name of documented) {
      if (['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'PORT'].includes(name)) continue;
      expect({ name, read: read.has(name) }).toEqual({ name, read: true });
    }
  });

  it('local.settings.sample.json lists every documented setting', () => {
    const values = Object.keys((JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> }).Values);
    for (const name of documented) {
      if (['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'WEBSITE_AUTH_ENABLED'].includes(name)) continue;
      expect({ name, inSample: values.includes(name) }).toEqual({ name, inSample: true });
    }
  });
});

// The deployed app settings, read from the compiled templates for every way of passing the
// optional settings: each documented setting is either set or on infra/README.md's never-set list.
describeWithBicep('the Bicep app settings and the configuration table', (bicep) => {
  const neverSet = (): string[] => {
    const infraReadme = read('infra/README.md');
    const line = /^Never set: (.*)$/m.exec(infraReadme)?.[1] ?? '';
    return [...line.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string);
  };

  it('set every documented setting a deployment needs, and none of the never-set ones', () => {
    const compiled = compileInfra(bicep);
    const deployed = new Set(
      [
        {},
        { powerBiCredential: 'certificate', powerBiCertificateName: 'cert' },
        { embedPolicy: '{"rules":[]}' },
        { embedPolicyPath: 'policy.json' },
      ].flatMap((parameters) => Object.keys(appSettings(deployMain(compiled, { parameters })))),
    );
    const documented = readmeSettings();
    const excluded = neverSet();
    expect(excluded.length).toBeGreaterThan(3);
    // Exclusions must name real rows, so a renamed setting cannot hide behind a stale entry.
    expect(excluded.filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !excluded.includes(name) && !deployed.has(name))).toEqual([]);
    expect(excluded.filter((name) => deployed.has(name))).toEqual([]);
  });
});
