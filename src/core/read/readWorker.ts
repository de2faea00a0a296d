/**
 * The entry of a reader thread (`--jobs N`, src/core/read/workerReader.ts): it reads and parses the
 * headers of the batches of files it is sent, with the same ChunkReader as a single-threaded run, and
 * sends each batch's records back in the order the files were given. It writes nothing: the store
 * has one writer, the main thread. After each file it counts one in a shared counter, which the main
 * thread's watchdog watches (a file that makes no progress for too long gets the thread replaced).
 * Bundled on its own (dist/readWorker.js, scripts/build.mjs): no vscode, no sql.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkReader, type ChunkReaderOptions } from './chunkReader';
import type { FileRecord } from '../records';
import type { BatchMessage, ReaderWorkerData, RecordsMessage } from './workerProtocol';

const data = workerData as ReaderWorkerData;
const reader = new ChunkReader(data.reader as ChunkReaderOptions);
const progress = new Int32Array(data.progress);
const port = parentPort!;

// One batch at a time, in the order sent (the main thread may send the next one before this one ends).
let chain: Promise<void> = Promise.resolve();
port.on('message', (m: BatchMessage) => {
  chain = chain.then(() => readBatch(m));
});

async function readBatch(m: BatchMessage): Promise<void> {
  const order = new Map(m.files.map((f, i) => [f.relPath, i]));
  const records: FileRecord[] = new Array(m.files.length);
  await reader.readAll(
    m.files,
    (rec) => {
      records[order.get(rec.relPath)!] = rec;
      Atomics.add(progress, 0, 1);
    },
    { afterChunk: () => undefined, chunkSize: m.files.length },
  );
  const reply: RecordsMessage = { id: m.id, records };
  port.postMessage(reply);
}
