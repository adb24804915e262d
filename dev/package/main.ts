import { resolve } from 'node:path';
import { findRepoRoot } from '../emulators/localAzure';
import { buildPackage } from './buildPackage';

// `npm run package [-- <outDir>]`: builds the deployment package (dist/package by default), the
// folder azure.yaml deploys. azd passes its environment values to the script, so a relative
// EMBED_POLICY_PATH is shipped inside the package.

async function main(): Promise<void> {
  const root = findRepoRoot(__dirname);
  const outDir = resolve(root, process.argv[2] ?? 'dist/package');
  const built = await buildPackage({ root, outDir, policyPath: process.env.EMBED_POLICY_PATH?.trim() || undefined });
  console.log(`Deployment package in ${outDir}: ${built.files.length} files, ${(built.totalBytes / 1024).toFixed(0)} KiB`);
  for (const file of built.files) console.log(`  ${file.path.padEnd(32)} ${(file.bytes / 1024).toFixed(1).padStart(8)} KiB`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
