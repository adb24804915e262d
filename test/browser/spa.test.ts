import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, type LocalHost } from '../../dev/host/localHost';
import { browserFlags, EMBED_HOST, startDemoSpa } from '../../dev/web/demoSpa';
import type { SpaServer } from '../../dev/web/spaServer';
import { MESSAGES } from '../../web/src/embedToken';
import { recorded } from '../helpers/functionsCore';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';
import { describeWithChromium, launchChromium } from './chromium';

// The sample SPA in a real browser against the broker and the local emulators: sign-in through
// the users' issuer's page (msal-browser, auth code + PKCE), the embed through powerbi-client
// into the Power BI emulator's report page (reached at app.powerbi.com by a host mapping), RLS
// rows per user, the token's refresh, and what users see when things go wrong.

const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts');
const SHORT_LIFETIME_SECONDS = 20;
/** Below the broker's one-minute minimum (EMBED_MIN_LIFETIME_MINUTES=1): no test gets a token cached by another. */
const TEST_LIFETIME_SECONDS = 50;

describeWithChromium('sample SPA in Chromium', () => {
  let app: TestApp;
  let spa: SpaServer;
  let browser: Browser;
  let restartedHost: LocalHost | undefined;

  beforeAll(async () => {
    // Tokens shorter than the broker's minimum remaining lifetime are not cached: each SPA request is one GenerateToken.
    app = await startTestApp({ EMBED_MIN_LIFETIME_MINUTES: '1' }, { embedHost: EMBED_HOST });
    spa = await startDemoSpa(app.azure, app.url, { refreshMarginSeconds: 5, refreshJitterSeconds: 1 });
    browser = await launchChromium(browserFlags(app.azure));
    mkdirSync(ARTIFACTS, { recursive: true });
    await setLifetime(TEST_LIFETIME_SECONDS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await spa?.close();
    await restartedHost?.close();
    await app?.close();
  });

  afterEach(async () => {
    await setLifetime(TEST_LIFETIME_SECONDS);
  });

  const setLifetime = async (seconds: number) => {
    const res = await fetch(`${app.azure.powerBi.url}/_emulator/embed-token-lifetime`, { method: 'PUT', body: JSON.stringify({ seconds }) });
    expect(res.status).toBe(200);
  };

  const newContext = () => browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 820, height: 520 } });
  const report = (page: Page) => page.frameLocator('#report iframe');

  async function signIn(page: Page, user: string): Promise<void> {
    if (!page.url().startsWith(spa.url)) await page.goto(spa.url);
    await page.locator('#status[data-kind="signed-out"]').waitFor();
    await page.click('#sign');
    // The users' issuer's own sign-in page.
    await page.click(`button[data-user="${user}"]`);
    await page.locator('#user[data-username]').waitFor();
  }

  async function rendered(page: Page, loads = 1): Promise<string[]> {
    await report(page).locator(`body[data-state="rendered"][data-loads="${loads}"]`).waitFor({ timeout: 60_000 });
    return report(page).locator('tr[data-row] td:first-child').allTextContents();
  }

  const issuedSince = (count: number) => app.azure.powerBi.issuedTokens().slice(count);

  it('signs two users in turn through the sign-in page; each sees only their RLS rows; carol sees no sales report', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await signIn(page, 'alice');
      expect(await page.textContent('#user')).toBe('Alice (Sales EU)');
      const aliceRows = await rendered(page);
      expect(aliceRows).toEqual(['EU', 'EU', 'EU']);
      // powerbi-client raised the page's loaded and rendered events to the app.
      await page.locator('#report[data-loaded="1"][data-rendered="1"]').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'alice.png') });

      await page.click('#sign'); // sign out, through the issuer's logout, back to the SPA
      await signIn(page, 'bob');
      expect(await page.textContent('#user')).toBe('Bob (Sales US)');
      expect(await rendered(page)).toEqual(['US', 'US', 'US']);
      await page.screenshot({ path: join(ARTIFACTS, 'bob.png') });
    } finally {
      await context.close();
    }

    const carolContext = await newContext();
    const carol = await carolContext.newPage();
    try {
      await signIn(carol, 'carol');
      await carol.locator('#status[data-kind="forbidden"]').waitFor();
      expect(await carol.textContent('#status')).toContain(MESSAGES.forbidden);
      expect(await carol.locator('button[data-report="sales-overview"]').getAttribute('class')).toContain('forbidden');
      expect(await carol.locator('#report').isHidden()).toBe(true);
      await carol.click('button[data-report="company-kpis"]');
      expect(await rendered(carol)).toEqual(['Employees', 'Customer satisfaction (%)', 'Open orders']);
      await carol.screenshot({ path: join(ARTIFACTS, 'carol.png') });
    } finally {
      await carolContext.close();
    }
    await sideBySide(['alice.png', 'bob.png'], 'alice-and-bob.png');
  }, 120_000);

  it('refreshes a short-lived token before it expires with setAccessToken, without reloading the report', async () => {
    await setLifetime(SHORT_LIFETIME_SECONDS);
    const context = await newContext();
    const page = await context.newPage();
    try {
      await signIn(page, 'alice');
      await page.locator('#status[data-kind="embedded"]').waitFor();
      const first = app.azure.powerBi.issuedTokens().length - 1;
      expect(await rendered(page)).toEqual(['EU', 'EU', 'EU']);
      // Two refreshes: each at least 5 s before the token it replaces expires.
      await report(page).locator('body[data-token-updates="2"]').waitFor({ timeout: 90_000 });
      const tokens = issuedSince(first);
      expect(tokens).toHaveLength(3);
      for (let i = 1; i < tokens.length; i++) {
        expect(Date.parse(tokens[i]!.issuedAt)).toBeLessThan(Date.parse(tokens[i - 1]!.expiration));
      }
      expect(await rendered(page, 1)).toEqual(['EU', 'EU', 'EU']);
      expect(await page.getAttribute('#status', 'data-how')).toBe('refreshed');
      expect(await page.getAttribute('#report', 'data-loaded')).toBe('1');
    } finally {
      await context.close();
    }
  }, 150_000);

  it('says "try again shortly" while the API or Power BI is down, and recovers when it is back', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await signIn(page, 'alice');
      await rendered(page);
      const port = Number(new URL(app.url).port);
      await app.host.close();
      await page.click('button[data-report="company-kpis"]');
      await page.locator('#status[data-kind="unavailable"]').waitFor();
      expect(await page.textContent('#status')).toContain(MESSAGES.unavailable);
      restartedHost = await startLocalHost({ functions: recorded.functions, routePrefix: 'api', port, log: () => undefined });
      expect(await rendered(page)).toEqual(['Employees', 'Customer satisfaction (%)', 'Open orders']);
      expect(await page.getAttribute('#status', 'data-kind')).toBe('embedded');

      // Power BI unavailable: the broker's own 503 problem (after its retries), with Retry-After.
      app.azure.powerBi.inject({ kind: 'status', status: 503, retryAfterSeconds: 1, ratio: 1, method: 'POST', path: /GenerateToken$/i, body: { error: { code: 'ServiceUnavailable' } } });
      await page.click('button[data-report="sales-overview"]');
      await page.locator('#status[data-kind="unavailable"]').waitFor();
      expect(await page.textContent('#status')).toContain(MESSAGES.unavailable);
      app.azure.powerBi.server.faults.clear();
      expect(await rendered(page)).toEqual(['EU', 'EU', 'EU']);
    } finally {
      app.azure.powerBi.server.faults.clear();
      await context.close();
    }
  }, 90_000);

  it('reloads the report when the tab was hidden, its timers stopped, until after the token expired', async () => {
    await setLifetime(SHORT_LIFETIME_SECONDS);
    const context = await newContext();
    // The page's clock and timers (in every frame) under the test's control: a hidden tab's timers
    // may not run at all (Chromium freezes or throttles them), which this pause stands for.
    await context.clock.install();
    const page = await context.newPage();
    try {
      await signIn(page, 'alice');
      await rendered(page);
      const before = app.azure.powerBi.issuedTokens();
      const expiration = Date.parse(before[before.length - 1]!.expiration);

      await setVisibility(page, 'hidden');
      await page.clock.pauseAt(Date.now() + 100);
      // Wait (no assertion on time) until the embed token has expired for the services.
      while (Date.now() < expiration + 1000) await new Promise((r) => setTimeout(r, 500));
      expect(app.azure.powerBi.issuedTokens()).toHaveLength(before.length);
      await page.clock.setSystemTime(Date.now());
      await setVisibility(page, 'visible');
      await page.clock.resume();

      expect(await rendered(page, 2)).toEqual(['EU', 'EU', 'EU']);
      expect(await page.getAttribute('#status', 'data-how')).toBe('reloaded');
      await page.locator('#report[data-loaded="2"][data-rendered="2"]').waitFor();
      expect(await report(page).locator('body').getAttribute('data-token-updates')).toBe('0');

      // The report page refuses the expired token through setAccessToken's message, with powerbi-client's error.
      const refused = await page.evaluate(async (expired) => {
        const w = globalThis as unknown as {
          document: { querySelector(s: string): { contentWindow: { postMessage(m: unknown, o: string): void } } };
          addEventListener(type: string, l: (e: { data: { headers?: { id?: string } } }) => void): void;
        };
        return new Promise((resolve) => {
          w.addEventListener('message', (event) => {
            if (event.data?.headers?.id === 'expired-token-check') resolve(event.data);
          });
          w.document.querySelector('#report iframe').contentWindow.postMessage({ method: 'POST', url: '/report/token', headers: { id: 'expired-token-check' }, body: expired }, '*');
        });
      }, before[before.length - 1]!.token);
      expect(refused).toMatchObject({ statusCode: 403, body: { message: 'TokenExpired', errorCode: '403' } });
      expect(await rendered(page, 2)).toEqual(['EU', 'EU', 'EU']);
    } finally {
      await context.close();
    }
  }, 120_000);

  async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
    // Runs in the page (DOM types are not in this program's lib).
    await page.evaluate((value) => {
      const document = (globalThis as unknown as { document: { dispatchEvent(e: unknown): void } }).document;
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => value === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  }

  /** Two screenshots next to each other (the README's picture). */
  async function sideBySide(files: string[], output: string): Promise<void> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1660, height: 540 } });
    try {
      const page = await context.newPage();
      const images = files.map((f) => `<img src="data:image/png;base64,${readFileSync(join(ARTIFACTS, f)).toString('base64')}">`).join('');
      await page.setContent(`<body style="margin:0;display:flex;gap:20px;background:#c8c6c4;padding:10px">${images}</body>`);
      writeFileSync(join(ARTIFACTS, output), await page.screenshot({ fullPage: true }));
    } finally {
      await context.close();
    }
  }
});
