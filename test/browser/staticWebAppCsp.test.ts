import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { EMBED_ORIGINS, withCspSources, type StaticWebAppConfig } from '../../dev/azd/webDeployment';
import { serveLoopback } from '../../dev/http/serveLoopback';
import { DEMO_SPA_CLIENT_ID } from '../../dev/emulators/demoWorld';
import { browserFlags, EMBED_HOST, startDemoSpa } from '../../dev/web/demoSpa';
import type { SpaServer } from '../../dev/web/spaServer';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';
import { describeWithChromium, launchChromium } from './chromium';

// The Content Security Policy of web/public/staticwebapp.config.json, as the web service's
// predeploy hook completes it, on the sample SPA in Chromium: sign-in, the embed and the report
// all work under it, with no violation. Locally the API is on the SPA's origin ('self') and the
// authority is the users' issuer; Power BI's frame is app.powerbi.com, as deployed. A small front
// in front of the SPA server adds the site's global headers to every answer, as the Static Web
// App does; the SPA's app registration is given the front's URL as its redirect URI.

const root = resolve(__dirname, '..', '..');
const CSP = 'Content-Security-Policy';

describeWithChromium('the Static Web App\'s CSP on the sample SPA, in Chromium', () => {
  let app: TestApp;
  let spa: SpaServer;
  let browser: Browser;
  let policy: string;
  let site: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    app = await startTestApp({}, { embedHost: EMBED_HOST });
    spa = await startDemoSpa(app.azure, app.url);
    const base = JSON.parse(readFileSync(join(root, 'web', 'public', 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
    const authority = new URL(app.azure.users.issuer).origin;
    policy = withCspSources(String(base.globalHeaders?.[CSP]), { 'connect-src': ["'self'", authority], 'frame-src': [EMBED_ORIGINS.Public, authority] });
    const headers = { ...base.globalHeaders, [CSP]: policy };
    const front = createServer((req, res) => {
      const upstream = request(new URL(req.url ?? '/', spa.url), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...headers });
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const listening = await serveLoopback(front, 0, '127.0.0.1');
    site = { url: `http://127.0.0.1:${listening.port}`, close: listening.close };
    app.azure.users.registerClient({ clientId: DEMO_SPA_CLIENT_ID, redirectUris: [`${site.url}/`] });
    browser = await launchChromium(browserFlags(app.azure));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await spa?.close();
    await app?.close();
  });

  /** A page, and the CSP violations Chromium reports on it. */
  async function pageWithCsp(): Promise<{ page: Page; violations: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    return { page, violations, close: () => context.close() };
  }

  it('lets the SPA sign in, embed and render the report with no violation', async () => {
    const { page, violations, close } = await pageWithCsp();
    try {
      const document = await page.goto(site.url);
      expect(document?.headers()[CSP.toLowerCase()]).toBe(policy);
      await page.locator('#status[data-kind="signed-out"]').waitFor();
      await page.click('#sign');
      await page.click('button[data-user="alice"]');
      await page.locator('#user[data-username]').waitFor();
      expect(page.url().startsWith(`${site.url}/`)).toBe(true);
      const report = page.frameLocator('#report iframe');
      await report.locator('body[data-state="rendered"]').waitFor({ timeout: 60_000 });
      expect(await report.locator('tr[data-row] td:first-child').allTextContents()).toEqual(['EU', 'EU', 'EU']);
      // The page's stylesheet applied (style-src 'self').
      expect(await page.evaluate("getComputedStyle(document.querySelector('header')).display")).toBe('flex');
      expect(violations).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('is enforced: a connection to an origin it does not list is refused and reported', async () => {
    const { page, violations, close } = await pageWithCsp();
    try {
      await page.goto(site.url);
      await page.locator('#status[data-kind="signed-out"]').waitFor();
      const reported = page.waitForEvent('console', { predicate: (message) => /Content Security Policy/i.test(message.text()) });
      const outcome = await page.evaluate(() =>
        fetch('https://elsewhere.example.net/').then(
          () => 'fetched',
          (error: unknown) => `refused: ${String(error)}`,
        ),
      );
      expect(outcome).toMatch(/^refused/);
      expect((await reported).text()).toContain('connect-src');
      expect(violations.join('\n')).toContain('https://elsewhere.example.net/');
    } finally {
      await close();
    }
  }, 60_000);
});
