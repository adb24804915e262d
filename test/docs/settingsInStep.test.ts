import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The configuration table in the README, the settings the code reads, local.settings.sample.json
// and the Bicep app settings must name the same settings.

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Settings the platform or the local host provides, which the app never sets itself. */
const PLATFORM = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'WEBSITE_INSTANCE_ID', 'PORT'];
/** Derived from POWERBI_CLOUD in a deployment; overridable for sovereign clouds and local runs. */
const CLOUD_OVERRIDES = ['AZURE_AUTHORITY_HOST', 'POWERBI_API_URL', 'POWERBI_SCOPE'];
/** Set only when used: an empty value would be a malformed setting. */
const CONDITIONAL = ['POWERBI_CERTIFICATE_NAME', 'EMBED_POLICY', 'EMBED_POLICY_PATH'];

function readmeSettings(): string[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(section.indexOf('| setting |'), section.indexOf('\n\n', section.indexOf('| setting |')));
  return [...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string);
}

function settingsReadByCode(): string[] {
  const source = read('shared/config/config.ts');
  return [...source.matchAll(/(?:optional|required|integer|oneOf)\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] as string);
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
      if (['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'].includes(name)) continue;
      expect({ name, inSample: values.includes(name) }).toEqual({ name, inSample: true });
    }
  });

  it('the Bicep app settings set every documented setting a deployment needs', () => {
    const bicep = read('infra/modules/functionApp.bicep');
    for (const name of documented) {
      if (PLATFORM.includes(name) || CLOUD_OVERRIDES.includes(name)) continue;
      const present = new RegExp(`\\b${name}\\s*:`).test(bicep);
      expect({ name, inBicep: present }).toEqual({ name, inBicep: true });
    }
    for (const name of CONDITIONAL) expect(bicep).toMatch(new RegExp(`empty\\([^)]*\\) \\? \\{\\} : \\{ ${name}:`));
  });
});
