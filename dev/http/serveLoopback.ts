import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// Lifecycle of a local test server (the host, each emulator): listens, answers requests Node
// cannot parse instead of dropping them, and on close ends open keep-alive connections too.

export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/** The body for a request Node could not parse (400) or whose headers were too large (431). */
export type ClientErrorBody = (status: 400 | 431) => { contentType: string; body: string };

export async function serveLoopback(server: Server, port = 0, host = '127.0.0.1', clientErrorBody?: ClientErrorBody): Promise<ListeningServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    const answer = clientErrorBody?.(status);
    const body = Buffer.from(answer?.body ?? '');
    const type = answer ? `content-type: ${answer.contentType}\r\n` : '';
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\n${type}content-length: ${body.length}\r\n\r\n`), body]));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
