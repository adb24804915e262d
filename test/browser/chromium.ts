import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium driven by playwright-core (no browser download). Where it is missing the
// browser tests skip with a message, except under CI=true, where they fail instead.

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    it(`${name}: needs ${CHROMIUM_PATH}`, () => {
      throw new Error(`${CHROMIUM_PATH} is missing: .ci/run installs it (apt-get install -y chromium)`);
    });
    return;
  }
  console.warn(`Skipping the browser tests (${name}): ${CHROMIUM_PATH} is missing. Install it with: apt-get update && apt-get install -y chromium`);
  describe.skip(name, body);
}

/** Headless, with a fresh profile (playwright passes its own new --user-data-dir), and the extra flags given. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}
