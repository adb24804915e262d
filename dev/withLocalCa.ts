import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalCa, saveLocalCa } from './tls/localCa';

// Runs a command (jest, a bench) with a fresh local CA trusted through NODE_EXTRA_CA_CERTS.
// Node reads that variable only at start-up, so it has to be set before the child starts.
export const LOCAL_CA_DIR_ENV = 'LOCAL_CA_DIR';

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node dist/dev/withLocalCa.js <command> [args...]');
    process.exit(2);
  }
  const dir = await mkdtemp(join(tmpdir(), 'pbi-broker-ca-'));
  const caFile = await saveLocalCa(await createLocalCa(), dir);
  const child = spawn(command, args, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, [LOCAL_CA_DIR_ENV]: dir, PATH: `${join(process.cwd(), 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
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
