import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  appSettingNames,
  createBicepParser,
  findBicepFiles,
  formatLocation,
  parameters,
  propertyAt,
  resources,
  settingNames,
  stringValue,
  syntaxProblems,
  variables,
  type BicepFile,
  type ResourceDeclaration,
} from './bicepParser';

const repoRoot = path.resolve(__dirname, '../..');
const infraDir = path.join(repoRoot, 'infra');
// The design documents live in shared/ beside the repository (CI clones main with shared/ next to it).
// The README's table is the repository's configuration contract (a superset of the design document's).
const configurationDoc = path.resolve(repoRoot, 'README.md');

/**
 * Settings of the README configuration table that a deployment must NOT set as app settings:
 * - PORT: the local host's port; the Functions host listens on its own.
 * - IDENTITY_ENDPOINT, IDENTITY_HEADER: the platform sets them for the managed identity.
 * - AZURE_AUTHORITY_HOST, POWERBI_API_URL, POWERBI_SCOPE: derived from POWERBI_CLOUD; setting them
 *   would pin one cloud's endpoints and silently override POWERBI_CLOUD. They exist to point the
 *   SDKs at local emulators.
 */
const NOT_DEPLOYED = ['PORT', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_AUTHORITY_HOST', 'POWERBI_API_URL', 'POWERBI_SCOPE'];

/** Backticked setting names in the first column of the README's "Configuration" table. */
function configurationTableSettings(markdown: string): string[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((line) => /^##\s+Configuration\b/i.test(line));
  if (heading < 0) throw new Error(`no "Configuration" section in ${configurationDoc}`);
  const names: string[] = [];
  let inTable = false;
  for (const line of lines.slice(heading + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    if (line.trimStart().startsWith('|')) {
      inTable = true;
      const firstCell = line.split('|')[1] ?? '';
      for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) if (match[1]) names.push(match[1]);
    } else if (inTable) {
      break; // only the first table: the per-cloud table follows
    }
  }
  return names;
}

function describeLocation(parsed: BicepFile, resource: ResourceDeclaration): string {
  return formatLocation({ file: parsed.file, line: resource.node.startPosition.row + 1, column: resource.node.startPosition.column + 1 });
}

describe('infra/*.bicep', () => {
  let parsedFiles: BicepFile[] = [];

  beforeAll(async () => {
    const parse = await createBicepParser();
    parsedFiles = findBicepFiles(infraDir).map(parse);
  });

  const allResources = (): { parsed: BicepFile; resource: ResourceDeclaration }[] =>
    parsedFiles.flatMap((parsed) => resources(parsed).map((resource) => ({ parsed, resource })));

  it('finds main.bicep and its modules', () => {
    const relative = parsedFiles.map((parsed) => path.relative(infraDir, parsed.file));
    expect(relative).toContain('main.bicep');
    expect(relative.filter((file) => file.startsWith(`modules${path.sep}`)).length).toBeGreaterThan(0);
  });

  it('parses every file without ERROR or MISSING nodes', () => {
    const problems = parsedFiles.flatMap(syntaxProblems).map((problem) => `${formatLocation(problem)} ${problem.kind}: ${problem.snippet}`);
    expect(problems).toEqual([]);
  });

  it('maps every `extension` alias in bicepconfig.json', () => {
    const config = readFileSync(path.join(infraDir, 'bicepconfig.json'), 'utf8');
    // bicepconfig.json allows // comments.
    const json = JSON.parse(config.replace(/^\s*\/\/.*$/gm, '')) as { extensions?: Record<string, string> };
    const extensions = parsedFiles.flatMap((parsed) => parsed.extensions);
    expect(extensions.map((extension) => extension.name)).toContain('microsoftGraphV1');
    for (const extension of extensions) {
      if (extension.name.startsWith('br:')) continue; // a direct registry reference needs no alias
      expect({ at: formatLocation(extension), ref: json.extensions?.[extension.name] }).toEqual({
        at: formatLocation(extension),
        ref: expect.stringMatching(/^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\//),
      });
    }
  });

  it('deploys at subscription scope with azd tags', () => {
    const main = parsedFiles.find((parsed) => path.basename(parsed.file) === 'main.bicep');
    const scope = main?.root.namedChildren.find((node) => node.type === 'target_scope_assignment');
    expect(stringValue(scope?.namedChildren.find((node) => node.type === 'string'))).toBe('subscription');
    expect(main && [...settingNames(variables(main).get('tags') ?? null, variables(main))]).toEqual(['azd-env-name']);
  });

  describe('the function app', () => {
    const functionApps = (): { parsed: BicepFile; resource: ResourceDeclaration }[] =>
      allResources().filter(
        ({ resource }) =>
          resource.type === 'Microsoft.Web/sites' && !resource.existing && (stringValue(propertyAt(resource.body, 'kind')) ?? '').includes('functionapp'),
      );

    it('is declared once', () => {
      expect(functionApps()).toHaveLength(1);
    });

    it('has a managed identity, httpsOnly, TLS 1.2, no FTP and the azd service tag', () => {
      for (const { parsed, resource } of functionApps()) {
        const at = describeLocation(parsed, resource);
        const identityType = stringValue(propertyAt(resource.body, 'identity', 'type'));
        expect({ at, identityType }).toEqual({ at, identityType: expect.stringMatching(/Assigned/) });
        if (identityType?.includes('UserAssigned')) expect(propertyAt(resource.body, 'identity', 'userAssignedIdentities')).not.toBeNull();
        expect({ at, httpsOnly: propertyAt(resource.body, 'properties', 'httpsOnly')?.text }).toEqual({ at, httpsOnly: 'true' });
        expect(stringValue(propertyAt(resource.body, 'properties', 'siteConfig', 'minTlsVersion'))).toBe('1.2');
        expect(stringValue(propertyAt(resource.body, 'properties', 'siteConfig', 'ftpsState'))).toBe('Disabled');
        expect(propertyAt(resource.body, 'properties', 'siteConfig', 'cors', 'allowedOrigins')).not.toBeNull();
        expect(stringValue(propertyAt(resource.body, 'properties', 'functionAppConfig', 'runtime', 'name'))).toBe('node');
        expect(stringValue(propertyAt(resource.body, 'properties', 'functionAppConfig', 'runtime', 'version'))).toBe('22');
        expect([...settingNames(propertyAt(resource.body, 'tags'), variables(parsed))]).toContain('azd-service-name');
      }
    });

    it('sets every deployable setting of the README configuration table, and none of the others', () => {
      if (!existsSync(configurationDoc)) throw new Error(`design document not found: ${configurationDoc}`);
      const table = configurationTableSettings(readFileSync(configurationDoc, 'utf8'));
      // Exclusions must name real rows, so a renamed setting cannot hide behind a stale entry.
      expect(table).toEqual(expect.arrayContaining(NOT_DEPLOYED));
      const expected = table.filter((name) => !NOT_DEPLOYED.includes(name));
      expect(expected.length).toBeGreaterThan(10);

      const deployed = new Set(parsedFiles.flatMap((parsed) => [...appSettingNames(parsed)]));
      expect(expected.filter((name) => !deployed.has(name))).toEqual([]);
      expect(NOT_DEPLOYED.filter((name) => deployed.has(name))).toEqual([]);
    });

    it('uses identity-based AzureWebJobsStorage', () => {
      const deployed = new Set(parsedFiles.flatMap((parsed) => [...appSettingNames(parsed)]));
      expect([...deployed].filter((name) => name.startsWith('AzureWebJobsStorage'))).toEqual(
        expect.arrayContaining(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential']),
      );
      expect(deployed.has('AzureWebJobsStorage')).toBe(false); // a connection string would carry a key
    });
  });

  it('offers AUTH_MODE jwt and easyauth only: `none` is never deployable', () => {
    const authModes = parsedFiles.flatMap((parsed) => parameters(parsed).filter((parameter) => parameter.name === 'authMode'));
    expect(authModes.length).toBeGreaterThan(0);
    for (const parameter of authModes) {
      expect(parameter.allowed).toEqual(['jwt', 'easyauth']);
      if (parameter.defaultValue) expect(stringValue(parameter.defaultValue)).toBe('jwt');
    }
  });

  it('gives the Key Vault RBAC authorization, soft delete and purge protection', () => {
    const vaults = allResources().filter(({ resource }) => resource.type === 'Microsoft.KeyVault/vaults' && !resource.existing);
    expect(vaults).toHaveLength(1);
    for (const { parsed, resource } of vaults) {
      const at = describeLocation(parsed, resource);
      const flags = ['enableRbacAuthorization', 'enableSoftDelete', 'enablePurgeProtection'].map((flag) => [
        flag,
        propertyAt(resource.body, 'properties', flag)?.text,
      ]);
      expect({ at, flags: Object.fromEntries(flags) }).toEqual({
        at,
        flags: { enableRbacAuthorization: 'true', enableSoftDelete: 'true', enablePurgeProtection: 'true' },
      });
      expect(propertyAt(resource.body, 'properties', 'accessPolicies')).toBeNull();
    }
  });

  it('keeps storage keyless', () => {
    const accounts = allResources().filter(({ resource }) => resource.type === 'Microsoft.Storage/storageAccounts' && !resource.existing);
    expect(accounts.length).toBeGreaterThan(0);
    for (const { resource } of accounts) expect(propertyAt(resource.body, 'properties', 'allowSharedKeyAccess')?.text).toBe('false');
  });

  it('names every role assignment with guid()', () => {
    const assignments = allResources().filter(({ resource }) => resource.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBeGreaterThan(0);
    const unnamed = assignments
      .filter(({ resource }) => propertyAt(resource.body, 'name')?.childForFieldName('function')?.text !== 'guid')
      .map(({ parsed, resource }) => describeLocation(parsed, resource));
    expect(unnamed).toEqual([]);
  });

  it('grants the function identity Key Vault Secrets User', () => {
    const keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6';
    const sources = parsedFiles.map((parsed) => parsed.source).join('\n');
    expect(sources).toContain(keyVaultSecretsUser);
  });
});
