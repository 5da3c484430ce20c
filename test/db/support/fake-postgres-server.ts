/**
 * A TCP server that speaks just enough of the PostgreSQL wire protocol to
 * refuse a client the way a real server does: it answers SSLRequest, asks for
 * a password (cleartext or SCRAM), and replies with the ErrorResponse a
 * PostgreSQL server sends. The local test server uses trust authentication,
 * so it can never reject a password; this stands in for one that does, while
 * pg parses genuine protocol messages.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export type FakeBehaviour =
  | { kind: 'password-rejected'; auth: 'cleartext' | 'scram' }
  | { kind: 'fatal'; code: string; message: string }
  | { kind: 'silent' };

export interface FakeServerOptions {
  behaviour: FakeBehaviour;
  /** Certificate to offer after SSLRequest; without it the server answers 'N' (no TLS). */
  tls?: { key: string; cert: string };
}

export interface FakeServer {
  port: number;
  /** Passwords clients sent in cleartext, to prove what went over the wire. */
  passwordsReceived: string[];
  /** Whether each connection negotiated TLS. */
  tlsNegotiated: boolean[];
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(code: string, text: string): Buffer {
  const fields = [`SFATAL`, `VFATAL`, `C${code}`, `M${text}`].map((f) => Buffer.from(`${f}\0`, 'utf8'));
  return message('E', Buffer.concat([...fields, Buffer.from([0])]));
}

function authRequest(kind: number, extra = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(kind, 0);
  return message('R', Buffer.concat([body, extra]));
}

/** Reads length-prefixed messages; the first message of a connection has no type byte. */
function reader(onMessage: (type: string | null, body: Buffer) => void) {
  let buffered = Buffer.alloc(0);
  let startup = true;
  return (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const offset = startup ? 0 : 1;
      if (buffered.length < offset + 4) return;
      const length = buffered.readInt32BE(offset);
      if (buffered.length < offset + length) return;
      const type = startup ? null : buffered.toString('ascii', 0, 1);
      const body = buffered.subarray(offset + 4, offset + length);
      buffered = buffered.subarray(offset + length);
      const wasStartup = startup;
      startup = false;
      onMessage(type, body);
      if (wasStartup && body.length === 4 && body.readInt32BE(0) === SSL_REQUEST_CODE) startup = true;
    }
  };
}

export async function startFakePostgres(options: FakeServerOptions): Promise<FakeServer> {
  const passwordsReceived: string[] = [];
  const tlsNegotiated: boolean[] = [];
  const sockets = new Set<Socket>();

  const speak = (socket: Socket, secure: boolean) => {
    let user = '';
    const onData = reader((type, body) => {
      if (type === null && body.length === 4 && body.readInt32BE(0) === SSL_REQUEST_CODE) {
        if (!options.tls) return void socket.write('N');
        socket.removeListener('data', onData);
        socket.write('S');
        const secured = new TLSSocket(socket, { isServer: true, key: options.tls.key, cert: options.tls.cert });
        secured.on('error', () => {});
        sockets.add(secured);
        speak(secured, true);
        return;
      }
      const { behaviour } = options;
      if (type === null) {
        const params = body.subarray(4).toString('utf8').split('\0');
        user = params[params.indexOf('user') + 1] ?? '';
        tlsNegotiated.push(secure);
        if (behaviour.kind === 'silent') return;
        if (behaviour.kind === 'fatal') return void socket.end(errorResponse(behaviour.code, behaviour.message));
        if (behaviour.auth === 'cleartext') return void socket.write(authRequest(3));
        return void socket.write(authRequest(10, Buffer.from('SCRAM-SHA-256\0\0', 'utf8')));
      }
      if (type === 'p' && behaviour.kind === 'password-rejected') {
        if (behaviour.auth === 'cleartext') passwordsReceived.push(body.toString('utf8').replace(/\0$/, ''));
        socket.end(errorResponse('28P01', `password authentication failed for user "${user}"`));
      }
    });
    socket.on('data', onData);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    speak(socket, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    passwordsReceived,
    tlsNegotiated,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
