import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// A server under test in a process of its own (the broker in the local host, or the anchor),
// so its start-up, memory and CPU are its own and not the load generator's. Resolves once it
// prints `listening on <url>`; the start time is taken just before the spawn.

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** performance.now() just before the spawn, and when the listening line was read. */
  spawnedAt: number;
  listeningAt: number;
  output(): string;
  stop(): Promise<void>;
}

export function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let listening = false;
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    const collect = (chunk: Buffer) => {
      // Bounded: a chatty server must not grow the bench's memory.
      if (output.length < 64 * 1024) output += chunk.toString();
      const found = !listening && /listening on (http:\/\/\S+)/.exec(output);
      if (found) {
        listening = true;
        resolve({ child, pid: child.pid as number, url: found[1] as string, spawnedAt, listeningAt: performance.now(), output: () => output, stop });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      if (!listening) reject(new Error(`${args[0]} exited with code ${code} before listening:\n${output.slice(-2000)}`));
    });
  });
}

/** The local Functions host serving the built function app: the repository's dist/ (unbundled) or a package folder. */
export function startBrokerProcess(repoRoot: string, env: NodeJS.ProcessEnv, functionAppDir?: string): Promise<ServerProcess> {
  const args = [join(repoRoot, 'dist', 'dev', 'host', 'main.js'), ...(functionAppDir ? [functionAppDir] : [])];
  // Prewarm off: the cold rows measure the cold chain a request meets, which prewarm would
  // otherwise run before the first request (and its metadata calls would count as the request's).
  return startServerProcess(args, { PREWARM_ON_START: 'false', ...env, PORT: '0' }, functionAppDir ?? repoRoot);
}

export function startAnchorProcess(repoRoot: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  return startServerProcess([join(repoRoot, 'dist', 'bench', 'anchorServer.js')], { ...env, PORT: '0' }, repoRoot);
}
