import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// A deployment of the repository folder itself (not what azd deploys: that is dist/package)
// must not carry the dependency folder, the local CA's key, logs or development files.

const root = resolve(__dirname, '..', '..', '..');

describe('.funcignore', () => {
  const patterns = readFileSync(join(root, '.funcignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each(['node_modules/', '.local/', '*.log', '*.pem', '*.key', 'local.settings.json', 'test', 'dev', 'dist/package', 'dist/test', '*.map'])('excludes %s', (pattern) => {
    expect(patterns).toContain(pattern);
  });
});
