import { setImmediate } from 'node:timers/promises';

// fetch (undici) puts a kept-alive connection back in its pool only after the I/O turn that
// ended the previous answer on it. A call to the same host sent within that turn (Get Dataset
// right after Get Report's body, the issuer's keys right after its discovery document) opens a
// new connection instead: a TCP and a TLS handshake more. Waiting one turn of the event loop
// first lets the call reuse the connection.

export function connectionBackInPool(): Promise<void> {
  return setImmediate();
}
