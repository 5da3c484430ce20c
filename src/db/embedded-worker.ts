/**
 * The embedded engine's worker thread: starts PGlite and answers the
 * PostgreSQL wire protocol for the pg.Client on tenantguard's own thread
 * (embedded-stream.ts). While PGlite executes a statement this thread is
 * busy inside WebAssembly and nothing else runs on it; the other thread stays
 * free to stop it (Worker#terminate) when a statement outlives its timeout.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startPglite, type EngineStartOptions } from './embedded-engine.js';
import { writeSnapshot, type SnapshotHeader } from './embedded-snapshots.js';
import type { PrefixState } from './types.js';

/** From tenantguard's thread. Handled strictly in order. */
export type ToEngine =
  | { kind: 'exec'; bytes: Uint8Array }
  | { kind: 'dump' }
  | { kind: 'snapshot'; cacheDir: string; header: SnapshotHeader }
  | { kind: 'close' };

/** To tenantguard's thread: one answer per request, in the order of the requests. */
export type FromEngine =
  | { kind: 'ready'; serverVersion: string; restored: PrefixState | null }
  | { kind: 'failed'; message: string; stack?: string }
  | { kind: 'reply'; bytes: Uint8Array }
  | { kind: 'dumped'; bytes: Uint8Array }
  | { kind: 'snapshotted'; saved: boolean }
  | { kind: 'closed' }
  | { kind: 'broken'; message: string };

const port = parentPort;
if (port) {
  const send = (message: FromEngine) => port.postMessage(message);
  try {
    const { pglite, serverVersion, restored } = await startPglite(workerData as EngineStartOptions);
    // One request at a time, in order: the protocol is a conversation.
    let queue = Promise.resolve();
    port.on('message', (request: ToEngine) => {
      queue = queue.then(async () => {
        try {
          if (request.kind === 'exec') {
            // A copy: the result may be a view of the engine's memory, which must not be moved out.
            send({ kind: 'reply', bytes: new Uint8Array(await pglite.execProtocolRaw(request.bytes)) });
          } else if (request.kind === 'snapshot') {
            // A checkpoint first: the restored engine then has no write-ahead log to replay.
            await pglite.exec('CHECKPOINT');
            const tar = new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
            send({ kind: 'snapshotted', saved: await writeSnapshot(request.cacheDir, request.header, tar) });
          } else if (request.kind === 'dump') {
            send({ kind: 'dumped', bytes: new Uint8Array(await (await pglite.dumpDataDir('gzip')).arrayBuffer()) });
          } else {
            await pglite.close();
            send({ kind: 'closed' });
            port.close();
          }
        } catch (error) {
          send({ kind: 'broken', message: error instanceof Error ? error.message : String(error) });
        }
      });
    });
    send({ kind: 'ready', serverVersion, restored });
  } catch (error) {
    send({ kind: 'failed', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
    port.close();
  }
}
