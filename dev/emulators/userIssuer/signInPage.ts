// The users' issuer's sign-in page: the demo users as buttons, no password (it is a local
// identity provider for development). The form posts the authorization request back with
// the chosen user. No script runs on it.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f2f1;margin:0;display:flex;justify-content:center}
main{background:#fff;margin-top:10vh;padding:2rem 2.5rem;box-shadow:0 2px 6px #0003;min-width:22rem}
h1{font-size:1.4rem;margin:0 0 .3rem}p{color:#555;margin:.2rem 0 1.2rem}
button{display:block;width:100%;text-align:left;padding:.7rem 1rem;margin:.5rem 0;border:1px solid #8a8886;background:#fff;cursor:pointer;font-size:1rem}
button:hover{background:#edebe9}small{color:#605e5c;display:block}`;

export interface SignInPageInput {
  action: string;
  params: URLSearchParams;
  users: { name: string; claims: Record<string, unknown> }[];
}

export function signInPage({ action, params, users }: SignInPageInput): string {
  const hidden = [...params]
    .filter(([name]) => name !== 'user')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const buttons = users
    .map(({ name, claims }) => {
      const label = typeof claims.name === 'string' ? claims.name : name;
      const login = typeof claims.preferred_username === 'string' ? claims.preferred_username : name;
      return `<button type="submit" name="user" value="${escapeHtml(name)}" data-user="${escapeHtml(name)}">${escapeHtml(label)}<small>${escapeHtml(login)}</small></button>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title><style>${STYLE}</style></head>
<body><main><h1>Sign in</h1><p>Local identity provider: pick a demo user.</p>
<form method="post" action="${escapeHtml(action)}">${hidden}${buttons}</form></main></body></html>`;
}

export function signInErrorPage(error: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(error)}</h1><p>${escapeHtml(description)}</p></main></body></html>`;
}
