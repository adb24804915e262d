import { HttpRequest, InvocationContext } from '@azure/functions';
import { withProblemDetails } from '../../../functions/http/respond';
import { BrokerError } from '../../../shared/errors/brokerError';

// What a failing request leaves in the log: the error's code and the upstream's status, code and
// request id. Never the upstream's own error text, which may echo what it was sent.

const ECHOED = 'AADSTS7000215: Invalid client secret provided. client_secret=pl41n-s3cr3t-v4lue';

function contextWithLog(lines: string[]): InvocationContext {
  return new InvocationContext({ functionName: 'test', invocationId: 'i-1', logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')) });
}

describe('withProblemDetails', () => {
  const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/embed/reports/x' });

  it('logs codes, statuses and correlation ids of an upstream failure, never its description', async () => {
    const lines: string[] = [];
    const cause = Object.assign(new Error(ECHOED), { name: 'ServerError', errorCode: 'invalid_client' });
    const handler = withProblemDetails(async () => {
      throw new BrokerError('upstream_refused', "Entra refused the service principal's credentials (invalid_client).", {
        cause,
        extensions: { upstream: 'entra', upstreamCode: 'invalid_client', upstreamRequestId: '0f0e0d0c-0000-4000-8000-000000000001' },
      });
    });
    const response = await handler(request, contextWithLog(lines));
    expect(response.status).toBe(502);
    expect(lines).toEqual(['502 upstream_refused upstream=entra upstreamCode=invalid_client upstreamRequestId=0f0e0d0c-0000-4000-8000-000000000001 cause=ServerError [invalid_client]']);
    expect(JSON.stringify(response.body)).not.toContain('s3cr3t');
  });

  it('logs a denial with its reason and rule', async () => {
    const lines: string[] = [];
    const handler = withProblemDetails(async () => {
      throw new BrokerError('forbidden', 'no', { extensions: { rule: 'sales-team', reason: 'claim_blank' } });
    });
    await handler(request, contextWithLog(lines));
    expect(lines).toEqual(['403 forbidden reason=claim_blank rule=sales-team']);
  });

  it('answers an unexpected failure with a bare 500 problem and logs it redacted', async () => {
    const lines: string[] = [];
    const handler = withProblemDetails(async () => {
      throw new Error('boom with Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    });
    const response = await handler(request, contextWithLog(lines));
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body as string)).toMatchObject({ code: 'internal', detail: 'The request could not be completed.' });
    expect(lines.join('\n')).not.toContain('eyJzdWIiOiJ4In0');
  });
});
