import { spawn } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SIGNING_KEY_POOL_ENV } from './emulators/entra';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalCa, saveLocalCa } from './tls/localCa';

// Runs a command (jest, a bench) with a fresh local CA trusted through NODE_EXTRA_CA_CERTS.
// Node reads that variable only at start-up, so it has to be set before the child starts.
// It also makes a few emulator signing keys once for the whole run (RSA keys take ~0.1 s each).
export const LOCAL_CA_DIR_ENV = 'LOCAL_CA_DIR';
const SIGNING_KEY_POOL_SIZE = 6;

async function writeSigningKeyPool(dir: string): Promise<string> {
  const makeKey = promisify(generateKeyPair);
  const keys = await Promise.all(
    Array.from({ length: SIGNING_KEY_POOL_SIZE }, async () => (await makeKey('rsa', { modulusLength: 2048 })).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
  );
  const file = join(dir, 'signing-keys.json');
  await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
  return file;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node dist/dev/withLocalCa.js <command> [args...]');
    process.exit(2);
  }
  const dir = await mkdtemp(join(tmpdir(), 'pbi-broker-ca-'));
  const [caFile, keyPool] = await Promise.all([saveLocalCa(await createLocalCa(), dir), writeSigningKeyPool(dir)]);
  const child = spawn(command, args, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, [LOCAL_CA_DIR_ENV]: dir, [SIGNING_KEY_POOL_ENV]: keyPool, PATH: `${join(process.cwd(), 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', async (code, signal) => {
    await rm(dir, { recursive: true, force: true });
    process.exit(code ?? (signal ? 1 : 0));
  });
}

void main();
