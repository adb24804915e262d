import { loadLocalCa } from '../dev/tls/localCa';
import { simulateMinLifetime, type EntraLifetime } from './minLifetimeSim';

// Runs the minimum-lifetime simulation in a process of its own and prints the result as JSON.
// msal-node keeps one managed-identity token cache per process (a static), so a second emulator
// world in the bench process would be handed the first world's Key Vault token and refused.

async function main(): Promise<void> {
  const caDir = process.env.LOCAL_CA_DIR;
  if (!caDir) throw new Error('LOCAL_CA_DIR is not set');
  const lifetime: EntraLifetime = process.argv[3] === 'fixed-60' ? 'fixed-60' : 'random-60-90';
  const result = await simulateMinLifetime(await loadLocalCa(caDir), Number(process.argv[2]), lifetime);
  process.stdout.write(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
