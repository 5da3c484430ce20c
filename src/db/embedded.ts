/**
 * The embedded engine: PGlite, PostgreSQL compiled to WebAssembly, for
 * auditing a migrations folder without a server.
 *
 * PGlite executes a statement synchronously on the thread that hosts it and
 * has no timer signals, so Postgres' statement_timeout never fires there: a
 * migration with `pg_sleep(100000)` or an endless loop would hold that
 * thread forever, and with it a pre-commit hook. So the engine runs in a
 * worker thread (embedded-worker.ts) and speaks the wire protocol to a
 * pg.Client here through an in-memory stream; this thread stays free, counts
 * how long the engine has been busy with a request, and stops the worker
 * when that exceeds the statement timeout. The pg.Client then fails its
 * query with EngineTimeoutError (SQLSTATE 57014, like Postgres' own timeout).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { EngineStartOptions } from './embedded-engine.js';
import type { PrefixState } from './types.js';
import { EngineWire } from './embedded-wire.js';
import type { SnapshotHeader } from './embedded-snapshots.js';
import type { FromEngine, ToEngine } from './embedded-worker.js';
import { EngineFailedError, EngineTimeoutError } from './engine-stopped.js';

export { EMBEDDED_EXTENSIONS } from './embedded-engine.js';

export interface EmbeddedDatabase {
  /** A pg.Client speaking to the engine, so the live code path serves both. */
  client: pg.Client;
  /** e.g. "PostgreSQL 18.7 (PGlite)" */
  version: string;
  /** The engine's data directory as a gzip-compressed tar (PGlite's dumpDataDir). */
  dumpDataDir(): Promise<Uint8Array>;
  /** What the snapshot the engine started from carries (options.restore); null when it started without one. */
  restored: PrefixState | null;
  /**
   * Save a snapshot of the data directory in the cache directory (see
   * embedded-snapshots.ts); the session must be idle, outside a transaction.
   * False when it could not be written.
   */
  saveSnapshot(cacheDir: string, header: SnapshotHeader): Promise<boolean>;
  /** Ends the client and stops the engine's thread, freeing its memory. Safe to call twice. */
  close(): Promise<void>;
}

export interface EmbeddedOptions extends EngineStartOptions {
  /**
   * Longest time, in ms, the engine may spend on one request (a statement,
   * or a file sent as one batch) before it is stopped; 0 = no limit.
   */
  statementTimeoutMs?: number;
}

/** The worker's compiled file; tests run this module from src/, where only the built copy in dist/ is JavaScript. */
function workerFile(): URL {
  const beside = new URL('./embedded-worker.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../../dist/db/embedded-worker.js', import.meta.url);
}

/**
 * Start PostgreSQL in a worker thread (PGlite is loaded there, lazily: it is
 * only needed for migrations folders) and connect a pg.Client to it.
 */
export async function openEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const { statementTimeoutMs = 0, ...start } = options;
  const workerData: EngineStartOptions = { extensions: [...(start.extensions ?? [])], cacheDir: start.cacheDir ?? null, restore: start.restore ?? null };
  const worker = new Worker(workerFile(), { workerData });
  const engine = new EngineThread(worker, statementTimeoutMs);
  let client: pg.Client | null = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client?.end().catch(() => {});
    await engine.stop();
  };
  try {
    const { serverVersion, restored } = await engine.ready;
    client = new pg.Client({ stream: () => engine.wire, user: 'postgres', database: 'postgres' } as pg.ClientConfig);
    // A stopped engine fails the running query with the reason; the client's own error event must not crash the process.
    client.on('error', () => {});
    await client.connect();
    return {
      client,
      version: `PostgreSQL ${serverVersion} (PGlite)`,
      dumpDataDir: () => engine.dump(),
      restored,
      saveSnapshot: (cacheDir, header) => engine.snapshot(cacheDir, header),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** The worker, its requests in flight, and the watchdog that stops it. */
class EngineThread {
  readonly ready: Promise<{ serverVersion: string; restored: PrefixState | null }>;
  readonly wire: EngineWire;
  /** Answers still to come, in request order; `timed`: a statement the watchdog bounds (a dump is not one). */
  readonly #waiting: { onAnswer: (answer: FromEngine) => void; timed: boolean }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #stopped: Error | null = null;

  constructor(
    readonly worker: Worker,
    readonly timeoutMs: number,
  ) {
    this.wire = new EngineWire((bytes) => this.#exec(bytes));
    this.ready = new Promise((resolve, reject) => {
      this.#waiting.push({
        timed: false,
        onAnswer: (answer) => {
          if (answer.kind === 'ready') resolve({ serverVersion: answer.serverVersion, restored: answer.restored });
          else reject(new Error(answer.kind === 'failed' ? answer.message : 'the embedded engine did not start'));
        },
      });
    });
    // Held only while the engine owes an answer: an idle engine never keeps the process alive.
    worker.on('message', (answer: FromEngine) => this.#answer(answer));
    worker.on('error', (error) => this.#fail(new EngineFailedError(error.message)));
    worker.on('exit', (code) => this.#fail(new EngineFailedError(`its thread exited (code ${code})`)));
  }

  #exec(bytes: Uint8Array): void {
    this.#send({ kind: 'exec', bytes }, (answer) => {
      if (answer.kind === 'reply') this.wire.receive(answer.bytes);
      else this.#fail(new EngineFailedError(answer.kind === 'broken' ? answer.message : `unexpected answer ${answer.kind}`));
    });
  }

  dump(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#send({ kind: 'dump' }, (answer) => (answer.kind === 'dumped' ? resolve(answer.bytes) : reject(new EngineFailedError(answer.kind === 'broken' ? answer.message : 'no dump'))));
    });
  }

  snapshot(cacheDir: string, header: SnapshotHeader): Promise<boolean> {
    return new Promise((resolve) => {
      this.#send({ kind: 'snapshot', cacheDir, header }, (answer) => resolve(answer.kind === 'snapshotted' && answer.saved));
    });
  }

  #send(request: ToEngine, onAnswer: (answer: FromEngine) => void): void {
    if (this.#stopped) {
      onAnswer({ kind: 'broken', message: this.#stopped.message });
      return;
    }
    this.#waiting.push({ onAnswer, timed: request.kind === 'exec' });
    if (this.#waiting.length === 1) this.#arm();
    this.worker.postMessage(request);
  }

  #answer(answer: FromEngine): void {
    this.#disarm();
    this.#waiting.shift()?.onAnswer(answer);
    if (this.#waiting.length > 0) this.#arm();
  }

  /** The engine is now working on the oldest request: from here it has timeoutMs to answer it. */
  #arm(): void {
    this.worker.ref();
    if (this.timeoutMs > 0 && this.#waiting[0]?.timed && this.#timer === null) this.#timer = setTimeout(() => this.#fail(new EngineTimeoutError(this.timeoutMs)), this.timeoutMs);
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.worker.unref();
  }

  /** Stops the engine for good; whatever was waiting fails with `error`. */
  #fail(error: Error): void {
    if (this.#stopped) return;
    this.#stopped = error;
    this.#disarm();
    void this.worker.terminate();
    const waiting = this.#waiting.splice(0);
    for (const { onAnswer } of waiting) onAnswer({ kind: 'failed', message: error.message });
    this.wire.destroy(error);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = new EngineFailedError('it was closed');
    this.#disarm();
    this.wire.destroy();
    await this.worker.terminate();
  }
}
