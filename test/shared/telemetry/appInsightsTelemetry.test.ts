import { redactingLogProcessor, redactingSpanProcessor } from '../../../shared/telemetry/appInsightsTelemetry';
import { rememberSecret } from '../../../shared/telemetry/redact';

// The adapter's last line of defence: whatever the SDK or a library put in a span, an exception
// event or a log record is masked before export. (The adapter itself, with the real SDK and
// exporter, is tested in a child process: test/integration/telemetry.test.ts.)

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXRoYXQtbG9va3MtcmVhbA';
const SECRET = 'planted~Secret~Value~0123456789';

describe('redacting processors', () => {
  beforeAll(() => rememberSecret(SECRET));

  it('mask tokens and held secrets in span attributes, exception events and the status message', () => {
    const span = {
      attributes: { 'http.url': `https://api/x?access_token=${JWT}`, count: 3, list: [`Bearer ${JWT}`, 1] as unknown[] },
      events: [{ attributes: { 'exception.message': `invalid_client: ${SECRET}`, 'exception.stacktrace': `Error: ${JWT}\n  at x` } }],
      status: { message: `failed with ${SECRET}` },
    };
    redactingSpanProcessor.onEnd(span);
    const text = JSON.stringify(span);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('eyJ');
    expect(span.attributes.count).toBe(3);
  });

  it('mask the body and attributes of log records (traces, events, exceptions)', () => {
    const record = { body: `client_secret=${SECRET}&scope=x`, attributes: { 'exception.message': `token ${JWT}` } };
    redactingLogProcessor.onEmit(record);
    expect(JSON.stringify(record)).not.toMatch(/eyJ|planted~Secret/);
    expect(record.body).toContain('client_secret=[redacted]');
  });
});
