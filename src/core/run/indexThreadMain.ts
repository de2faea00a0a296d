/**
 * The entry of an index run's thread (see indexThread.ts): runs the one run of its workerData,
 * posting its log, progress and saves, and its result or error, then waits to be ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { indexFolder, type IndexProgress } from '../indexer';
import { indexIntoPostgres } from '../indexPostgres';
import type { RunEvent } from './events';
import { describeError, type IndexThreadCommand, type IndexThreadData, type IndexThreadMessage } from './indexThread';

const port = parentPort!;
const { req, cancelled } = workerData as IndexThreadData;
const abort = new AbortController();
const checkCancelled = () => {
  if (!abort.signal.aborted && Atomics.load(cancelled, 0) === 1) abort.abort();
};
port.on('message', (m: IndexThreadCommand) => {
  if (m.type === 'cancel') abort.abort();
});
const post = (m: IndexThreadMessage) => port.postMessage(m);
const hooks = {
  signal: abort.signal,
  log: (message: string) => post({ type: 'log', message }),
  onProgress: (progress: IndexProgress) => post({ type: 'progress', progress }),
  observer: {
    // Called for every file read: where the run sees a cancel between two files.
    event: (e: RunEvent) => {
      checkCancelled();
      if (e.type === 'saved') post({ type: 'saved' });
    },
  },
};
const run = req.store === 'sqlite' ? indexFolder(req.root, { ...req.options, ...hooks }) : indexIntoPostgres(req.root, req.url, { ...req.options, ...hooks });
run.then(
  (result) => post({ type: 'done', result }),
  (e: unknown) => post({ type: 'failed', error: describeError(e) }),
);
