import { HttpResponse } from '@azure/functions';
import { health } from '../../functions/health';
import { recorded } from '../helpers/functionsCore';

describe('health', () => {
  it('answers 200 with a status and no caching', async () => {
    const response = new HttpResponse(await health());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('health registration', () => {
  it('is an anonymous GET on /health', () => {
    const fn = recorded.functions.find((f) => f.name === 'health');
    expect(fn?.trigger).toMatchObject({ route: 'health', methods: ['GET'], authLevel: 'anonymous' });
  });
});
