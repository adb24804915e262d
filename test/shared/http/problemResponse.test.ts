import { BrokerError } from '../../../shared/errors/brokerError';
import { PROBLEM_CONTENT_TYPE, toProblemResponse } from '../../../shared/http/problemResponse';

describe('toProblemResponse', () => {
  it('maps a BrokerError to RFC 9457 problem details with its stable code', () => {
    const error = new BrokerError('upstream_unavailable', 'Power BI is unavailable.', {
      retryAfterSeconds: 2.2,
      extensions: { upstreamRequestId: 'abc' },
      headers: { 'www-authenticate': 'Bearer' },
    });
    const response = toProblemResponse(error, '/api/x');
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({ 'content-type': PROBLEM_CONTENT_TYPE, 'retry-after': '3', 'www-authenticate': 'Bearer' });
    expect(JSON.parse(response.body)).toEqual({
      type: 'urn:powerbi-embed-broker:problem:upstream-unavailable',
      title: 'Service Unavailable',
      status: 503,
      code: 'upstream_unavailable',
      detail: 'Power BI is unavailable.',
      instance: '/api/x',
      upstreamRequestId: 'abc',
    });
  });

  it('hides everything about an unexpected error: no message, cause or stack', () => {
    const secret = 'client-secret-value-123';
    const response = toProblemResponse(new Error(`failed with ${secret}`, { cause: new Error(secret) }));
    expect(response.status).toBe(500);
    expect(response.body).not.toContain(secret);
    expect(response.body).not.toContain('at ');
    expect(JSON.parse(response.body)).toMatchObject({ code: 'internal', status: 500 });
  });

  it('does not let extensions overwrite the standard members', () => {
    const error = new BrokerError('forbidden', 'No.', { extensions: { status: 200, code: 'ok' } });
    expect(JSON.parse(toProblemResponse(error).body)).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('carries the request\'s trace id when there is one', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(JSON.parse(toProblemResponse(new BrokerError('forbidden', 'no'), '/api/x', traceId).body)).toMatchObject({ code: 'forbidden', instance: '/api/x', traceId });
    expect(JSON.parse(toProblemResponse(new BrokerError('forbidden', 'no'), '/api/x').body)).not.toHaveProperty('traceId');
  });
});
