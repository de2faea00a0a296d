/**
 * The Prometheus metrics of index runs (prom-client): one registry per process, fed by the runs'
 * events (src/core/run/events.ts) and, for the watch, by its count of changes waiting. Names and
 * labels are a contract, documented in the README ("Keeping an index current and watching it"):
 * rename none. Labels carry statuses, kinds and check names only, never a path or a tag value.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DATASET_CHECKS, SERIES_CHECKS } from '../../shared/checks';
import { checksOverview } from '../queries/checks';
import type { RunEvent, RunObserver } from '../run/events';
import type { QueryStore } from '../store/queryStore';

export const FILE_STATUSES = ['ok', 'partial', 'error', 'not_dicom'] as const;
export const FAILURE_KINDS = ['io', 'format', 'limit', 'scan', 'store'] as const;

export class IndexMetrics implements RunObserver {
  readonly registry = new Registry();
  private runPending = 0;
  private watchPending = 0;

  readonly filesSeen = new Counter({ name: 'dicom_index_files_seen_total', help: 'Candidate files found by the scans and compared with the index', registers: [this.registry] });
  readonly filesIndexed = new Counter({ name: 'dicom_index_files_indexed_total', help: 'Files read and written to the index, by status', labelNames: ['status'], registers: [this.registry] });
  readonly filesUnchanged = new Counter({ name: 'dicom_index_files_unchanged_total', help: 'Candidate files left as indexed (size and mtime unchanged)', registers: [this.registry] });
  readonly filesRemoved = new Counter({ name: 'dicom_index_files_removed_total', help: 'Files forgotten by the index (gone from disk or now excluded)', registers: [this.registry] });
  readonly bytesRead = new Counter({ name: 'dicom_index_bytes_read_total', help: 'Bytes read from the files indexed (headers: the first 16 KiB and what a long header needs)', registers: [this.registry] });
  readonly parseSeconds = new Histogram({
    name: 'dicom_index_header_parse_seconds',
    help: "Time to read and parse one file's header, from the start of its read to its record (the disk's wait included)",
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2],
    registers: [this.registry],
  });
  readonly storeWriteSeconds = new Histogram({
    name: 'dicom_index_store_write_seconds',
    help: 'Time to write to the store: a batch of records (op="batch"), or the SQLite file saved (op="save")',
    labelNames: ['store', 'op'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'dicom_index_run_duration_seconds',
    help: 'Duration of index runs (a full incremental run or a batch of changes)',
    labelNames: ['store'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 7200],
    registers: [this.registry],
  });
  readonly runs = new Counter({ name: 'dicom_index_runs_total', help: 'Index runs by outcome: completed, cancelled (stopped, what was read is saved), failed', labelNames: ['outcome'], registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: 'dicom_index_last_success_timestamp_seconds', help: 'When the last index run completed (Unix time, seconds); 0 before the first', registers: [this.registry] });
  readonly lastRunFiles = new Gauge({ name: 'dicom_index_last_run_files', help: 'The last completed run: its candidate files (what="candidates"), files read ("read"), unchanged, removed', labelNames: ['what'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'dicom_index_errors_total', help: 'Problems by kind: a file unreadable (io), damaged (format) or over a limit (limit), a folder not listed (scan), the store failing (store)', labelNames: ['kind'], registers: [this.registry] });
  readonly checkSeries = new Gauge({ name: 'dicom_index_check_series', help: "Series with each dataset check's finding, after the last run", labelNames: ['check', 'severity'], registers: [this.registry] });
  readonly datasetFindings = new Gauge({ name: 'dicom_index_dataset_findings', help: "Each dataset-level check's count (UIDs found under several parents), after the last run", labelNames: ['check'], registers: [this.registry] });
  readonly series = new Gauge({ name: 'dicom_index_series', help: 'Series in the index, and of them volumes (kind="volume") and with findings (kind="with_findings")', labelNames: ['kind'], registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    const pendingNow = () => this.runPending + this.watchPending;
    new Gauge({
      name: 'dicom_index_files_pending',
      help: 'Files waiting: still to read in the run under way, plus changes the watch has noted and not yet handed over',
      registers: [this.registry],
      collect() {
        this.set(pendingNow());
      },
    });
    for (const s of FILE_STATUSES) this.filesIndexed.inc({ status: s }, 0);
    for (const k of FAILURE_KINDS) this.errors.inc({ kind: k }, 0);
    for (const o of ['completed', 'cancelled', 'failed']) this.runs.inc({ outcome: o }, 0);
    this.lastSuccess.set(0);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The watch's changes noted and not yet handed to a run. */
  setWatchPending(n: number): void {
    this.watchPending = n;
  }

  /** A run that failed (threw): the store unreachable, the lock taken. */
  runFailed(): void {
    this.runs.inc({ outcome: 'failed' });
    this.errors.inc({ kind: 'store' });
    this.runPending = 0;
  }

  event(e: RunEvent): void {
    switch (e.type) {
      case 'planned':
        this.filesSeen.inc(e.candidates);
        this.runPending = e.toRead;
        break;
      case 'file-read':
        this.filesIndexed.inc({ status: e.status });
        this.bytesRead.inc(e.bytes);
        this.parseSeconds.observe(e.ms / 1000);
        this.runPending = Math.max(0, this.runPending - 1);
        break;
      case 'batch-written':
        this.storeWriteSeconds.observe({ store: e.store, op: 'batch' }, e.ms / 1000);
        break;
      case 'saved':
        this.storeWriteSeconds.observe({ store: e.store, op: 'save' }, e.ms / 1000);
        break;
      case 'error':
        this.errors.inc({ kind: e.kind });
        break;
      case 'finished':
        this.runPending = 0;
        this.filesUnchanged.inc(e.unchanged);
        this.filesRemoved.inc(e.removed);
        this.runSeconds.observe({ store: e.store }, e.ms / 1000);
        this.runs.inc({ outcome: e.cancelled ? 'cancelled' : 'completed' });
        if (!e.cancelled) {
          this.lastSuccess.set(Date.now() / 1000);
          this.lastRunFiles.set({ what: 'candidates' }, e.candidates);
          this.lastRunFiles.set({ what: 'read' }, e.read);
          this.lastRunFiles.set({ what: 'unchanged' }, e.unchanged);
          this.lastRunFiles.set({ what: 'removed' }, e.removed);
        }
        break;
    }
  }

  /** The checks' counts, read from the store after each run's refresh (one grouped query). */
  async afterChecks(store: QueryStore): Promise<void> {
    const o = await checksOverview(store);
    for (const [check, info] of Object.entries(SERIES_CHECKS)) this.checkSeries.set({ check, severity: info.severity }, o.checks.find((t) => t.check === check)?.series ?? 0);
    for (const check of Object.keys(DATASET_CHECKS)) {
      const f = o.dataset.find((d) => d.check === check);
      this.datasetFindings.set({ check }, f ? (f.count ?? 1) : 0);
    }
    this.series.set({ kind: 'all' }, o.series);
    this.series.set({ kind: 'volume' }, o.volumes);
    this.series.set({ kind: 'with_findings' }, o.withFindings);
  }
}
