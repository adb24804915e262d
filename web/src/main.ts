import { factories, models, service, type Report } from 'powerbi-client';
import { startAuth, type Auth } from './auth';
import { loadConfig, type AppConfig, type ReportChoice } from './config';
import { documentVisibility, isTokenExpired, startEmbedSession, type EmbedSession, type EmbedStatus } from './embedToken';

// The sample: sign in, pick a report the broker may embed for you, see it, and keep its
// token fresh (web/src/embedToken.ts does the token's life).

const powerbi = new service.Service(factories.hpmFactory, factories.wpmpFactory, factories.routerFactory);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let session: EmbedSession | undefined;

function showStatus(status: EmbedStatus, choice: ReportChoice): void {
  const box = $('status');
  box.dataset.kind = status.kind;
  const button = document.querySelector<HTMLButtonElement>(`button[data-report="${CSS.escape(choice.key)}"]`);
  switch (status.kind) {
    case 'loading':
      box.textContent = `Loading ${choice.title}...`;
      break;
    case 'embedded':
      box.dataset.how = status.how;
      box.dataset.tokenId = status.config.tokenId ?? '';
      box.textContent = `${choice.title}: token ${status.how}, valid until ${new Date(status.config.expiration).toLocaleTimeString()}; next refresh at ${new Date(status.refreshAt).toLocaleTimeString()}.`;
      break;
    case 'forbidden':
      button?.classList.add('forbidden');
      if (button) button.title = 'You have no access to this report';
      box.textContent = status.message;
      $('report').hidden = true;
      break;
    default:
      box.textContent = status.message;
  }
  if (status.kind === 'embedded') $('report').hidden = false;
}

function open(config: AppConfig, auth: Auth, choice: ReportChoice): void {
  session?.stop();
  const element = $('report');
  powerbi.reset(element);
  // No blank frame: the view shows once a report is embedded; until then the status says why not.
  element.hidden = true;
  delete element.dataset.loaded;
  delete element.dataset.rendered;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#reports button')) b.setAttribute('aria-pressed', String(b.dataset.report === choice.key));
  history.replaceState(null, '', `#${encodeURIComponent(choice.key)}`);
  const current: EmbedSession = startEmbedSession({
    url: `${config.apiBaseUrl}/api/embed/reports/${encodeURIComponent(choice.key)}`,
    getAccessToken: () => auth.apiToken(),
    signIn: () => auth.signIn(),
    embed: (embedConfig) => {
      const report = powerbi.embed(element, { ...embedConfig, type: 'report', tokenType: models.TokenType.Embed, settings: { panes: { filters: { visible: false } } } }) as Report;
      // The same report object comes back when embedding again into the element: handlers once.
      for (const name of ['loaded', 'rendered', 'error']) report.off(name);
      const count = (name: 'loaded' | 'rendered') => () => {
        element.dataset[name] = String(Number(element.dataset[name] ?? '0') + 1);
      };
      report.on('loaded', count('loaded'));
      report.on('rendered', count('rendered'));
      report.on('error', (event) => {
        if (isTokenExpired((event as CustomEvent).detail)) void current.refreshNow();
      });
      return report;
    },
    fetch: (url, init) => fetch(url, init),
    now: () => Date.now(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
    visibility: documentVisibility(document),
    onStatus: (status) => showStatus(status, choice),
    ...(config.refreshMarginSeconds !== undefined ? { marginMs: config.refreshMarginSeconds * 1000 } : {}),
    ...(config.refreshJitterSeconds !== undefined ? { jitterMs: config.refreshJitterSeconds * 1000 } : {}),
  });
  session = current;
}

async function main(): Promise<void> {
  const config = await loadConfig();
  const auth = await startAuth(config);
  const user = $('user');
  const signButton = $<HTMLButtonElement>('sign');
  if (!auth.account) {
    user.textContent = 'Not signed in';
    signButton.textContent = 'Sign in';
    signButton.onclick = () => void auth.signIn();
    $('status').textContent = 'Sign in to see the reports you may view.';
    $('status').dataset.kind = 'signed-out';
    return;
  }
  user.textContent = auth.account.name ?? auth.account.username;
  user.dataset.username = auth.account.username;
  signButton.textContent = 'Sign out';
  signButton.onclick = () => {
    session?.stop();
    void auth.signOut();
  };
  const list = $('reports');
  for (const choice of config.reports) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.report = choice.key;
    button.textContent = choice.title;
    button.onclick = () => open(config, auth, choice);
    list.append(button);
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = config.reports.find((r) => r.key === wanted) ?? config.reports[0];
  if (first) open(config, auth, first);
}

main().catch((error: unknown) => {
  $('status').dataset.kind = 'failed';
  $('status').textContent = `The app could not start: ${error instanceof Error ? error.message : String(error)}`;
});
