import { app, type HttpResponseInit } from '@azure/functions';

// Liveness: answers without touching any upstream, so a platform probe never costs a token.
export async function health(): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: { status: 'ok' }, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
