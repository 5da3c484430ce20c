/**
 * A minimal server speaking the PostgreSQL wire protocol, for the two
 * connection failures the embedded engine cannot produce (it has no network
 * listener): a server without TLS, and a server rejecting the password.
 * It answers exactly as PostgreSQL does — 'N' to an SSLRequest; an
 * AuthenticationCleartextPassword request, then a FATAL 28P01 ErrorResponse.
 * On the server engine the tests use the real server instead.
 */
import { createServer, type Server } from 'node:net';

const SSL_REQUEST_CODE = 80877103;

function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.concat([
    ...Object.entries(fields).map(([code, value]) => Buffer.from(`${code}${value}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function authenticationCleartextPassword(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0);
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5);
  return message;
}

export interface FakePostgres {
  port: number;
  close(): Promise<void>;
}

export async function startFakePostgres(): Promise<FakePostgres> {
  const server: Server = createServer((socket) => {
    let startupDone = false;
    socket.on('data', (data) => {
      if (!startupDone && data.length >= 8 && data.readInt32BE(4) === SSL_REQUEST_CODE) {
        socket.write('N');
        return;
      }
      if (!startupDone) {
        startupDone = true;
        socket.write(authenticationCleartextPassword());
        return;
      }
      if (data[0] === 'p'.charCodeAt(0)) {
        socket.end(
          errorResponse({ S: 'FATAL', V: 'FATAL', C: '28P01', M: 'password authentication failed for user "alice"' }),
        );
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
