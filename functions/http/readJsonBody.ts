import type { HttpRequest } from '@azure/functions';
import { BrokerError } from '../../shared/errors/brokerError';

// A JSON request body, or a 400 problem that says what is wrong with it.
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new BrokerError('bad_request', 'The request body must be JSON (Content-Type: application/json).');
  }
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new BrokerError('invalid_json', 'The request body is not valid JSON.');
  }
}
