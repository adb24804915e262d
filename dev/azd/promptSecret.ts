import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

// Reads a line from the terminal without echoing it. Without a terminal (CI, `azd up --no-prompt`)
// there is nobody to ask: the caller then reports what the deployer must do instead.

export type PromptSecret = (question: string) => Promise<string | undefined>;

export const promptSecretOnTerminal: PromptSecret = (question) => {
  if (!process.stdin.isTTY) return Promise.resolve(undefined);
  process.stdout.write(question);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer.trim() || undefined);
    });
  });
};
