import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// Starts the local Functions host as a child process (so NODE_EXTRA_CA_CERTS takes effect)
// and resolves once it listens.

export interface HostProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface HostProcessOptions {
  echo?: boolean;
  /** Function app folder to load instead of appDir itself, e.g. the deployment package. */
  functionAppDir?: string;
}

export function startHostProcess(appDir: string, env: NodeJS.ProcessEnv, options: HostProcessOptions = {}): Promise<HostProcess> {
  return new Promise((resolve, reject) => {
    const args = [join(appDir, 'dist', 'dev', 'host', 'main.js'), ...(options.functionAppDir ? [options.functionAppDir] : [])];
    const child = spawn(process.execPath, args, { cwd: options.functionAppDir ?? appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let listening = false;
    const collect = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) stream.write(chunk);
      const found = !listening && /listening on (http:\/\/\S+)/.exec(output);
      if (found) {
        listening = true;
        resolve({
          child,
          url: found[1] as string,
          output: () => output,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', collect(process.stdout));
    child.stderr?.on('data', collect(process.stderr));
    child.once('exit', (code) => {
      if (!listening) reject(Object.assign(new Error(`the functions host exited with code ${code}`), { output, exitCode: code }));
    });
  });
}
