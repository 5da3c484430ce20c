import { Duplex } from 'node:stream';

/**
 * What pg.Client takes for a socket, joined to the embedded engine: the
 * protocol messages the client writes go to the engine, its answers come
 * back as if read from a server. PGlite has started its session itself, so
 * the client's startup message is answered here (authentication OK, ready
 * for a query) and never sent.
 */
export class EngineWire extends Duplex {
  #started = false;

  constructor(private readonly exec: (bytes: Uint8Array) => void) {
    super();
  }

  /** An answer of the engine, in the order of the requests. */
  receive(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  // The socket methods pg's Connection calls.
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.#started) {
      this.#started = true;
      this.push(STARTUP_ANSWER);
    } else if (chunk[0] !== TERMINATE) {
      this.exec(chunk);
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.push(null);
    callback();
  }
}

/** The Terminate message's type byte ('X'): the client is leaving. */
const TERMINATE = 0x58;

/** AuthenticationOk ('R', length 8, 0), then ReadyForQuery ('Z', length 5, idle). */
const STARTUP_ANSWER = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]);
