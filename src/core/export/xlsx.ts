/**
 * Excel export through exceljs's streaming writer: rows are committed as they are produced, so a
 * 244,000-file index never sits in memory as a workbook. Sheets:
 *   Instances  every candidate file, the CSV's columns (EXPORT_COLUMNS), autofilter
 *   Series     one row per series: images, distinct slice thicknesses / spacings / matrix sizes
 *   Checks     one row per series: volume, measured step, worst severity, findings, a column per check
 *   Studies    one row per study: series and image counts
 *   Summary    key/value rows of computeStats()
 *   Problems   every file whose status is not ok, with the reason
 * Every string cell goes through the cells.ts guards (formula prefix, controls, 32,767-char limit).
 * Written to a temporary file, renamed when complete; an abort leaves the target untouched.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as ExcelJS from 'exceljs';
import type { SqlValue } from 'sql.js';
import { asStore, IndexSource } from '../store/source';
import { byteOrder, QueryStore } from '../store/queryStore';
import { computeStats, Stats } from '../stats';
import { safeValue } from './cells';
import { DECIMAL_COLUMNS, destroyAndWait, EXPORT_COLUMNS, ExportOptions, ExportResult, fileRowBatches, orderedFileIds } from './rows';
import { writeViaTemp } from '../atomicFile';
import { checkExportTarget } from './target';
import { seriesTable } from '../queries/seriesTable';
import { allCheckedSeries } from '../queries/checks';
import { CHECK_SHEET_COLUMNS, checkSheetRow } from './checksSheet';

/** Excel's rows per sheet, header included; a longer table continues on "<name> (2)". */
const MAX_SHEET_ROWS = 1_048_576;
/** Sheet XML allowed to wait for the zip before row production pauses. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export const XLSX_SHEETS = ['Instances', 'Series', 'Checks', 'Studies', 'Summary', 'Problems'] as const;
export const SERIES_SHEET_COLUMNS = [
  'PatientID',
  'StudyInstanceUID',
  'StudyDate',
  'SeriesInstanceUID',
  'SeriesNumber',
  'Modality',
  'SeriesDescription',
  'images',
  'SliceThickness',
  'SpacingBetweenSlices',
  'Rows x Columns',
  'Manufacturer',
  'files disagree on',
] as const;
export const STUDY_SHEET_COLUMNS = ['PatientID', 'PatientName', 'StudyInstanceUID', 'StudyDate', 'StudyDescription', 'series', 'images', 'files disagree'] as const;
export const PROBLEM_SHEET_COLUMNS = ['path', 'status', 'error'] as const;

function columnWidth(name: string): number {
  if (name === 'path') return 60;
  if (name === 'error' || name === 'PixelSummary' || name === 'Item') return 40;
  if (name.endsWith('UID')) return 44;
  if (/Description|Name|Kernel|ImageType|Orientation|Position/.test(name)) return 28;
  return Math.min(30, Math.max(10, name.length + 3));
}

type Cell = SqlValue | undefined;
const PLAIN: Partial<ExcelJS.Style> = Object.freeze({}) as Partial<ExcelJS.Style>;

/** A sheet with a bold, frozen header row that continues on a new sheet past Excel's row limit. */
class TableSheet {
  private ws!: ExcelJS.Worksheet;
  private part = 0;
  private rowsInPart = 0;
  rows = 0;

  constructor(
    private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly name: string,
    private readonly columns: readonly string[],
    private readonly opts: { autoFilter?: boolean; freezeFirstColumn?: boolean; decimal?: ReadonlySet<string> } = {},
  ) {
    this.open();
  }

  private open(): void {
    this.part++;
    const name = this.part === 1 ? this.name : `${this.name} (${this.part})`;
    this.ws = this.wb.addWorksheet(name, {
      views: [{ state: 'frozen', ySplit: 1, xSplit: this.opts.freezeFirstColumn ? 1 : 0 }],
    });
    this.ws.columns = this.columns.map((c) => ({ key: c, width: columnWidth(c) }));
    const header = this.ws.addRow(this.columns.map((c) => safeValue(c)));
    header.font = { bold: true };
    header.commit();
    this.rowsInPart = 0;
  }

  add(values: readonly Cell[]): void {
    if (this.rowsInPart >= MAX_SHEET_ROWS - 1) {
      this.close();
      this.open();
    }
    const dec = this.opts.decimal;
    const row = this.ws.addRow(values.map((v, i) => safeValue(v, { allowDecimal: dec?.has(this.columns[i]) ?? false })));
    // exceljs gives every cell a fresh style object and works its style id out again for each;
    // one shared (empty) style object is looked up once. Halves the time of a large sheet.
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.style = PLAIN;
    });
    row.commit();
    this.rowsInPart++;
    this.rows++;
  }

  /**
   * Bytes of sheet XML written but not yet taken by the zip. exceljs pushes rows into the archive
   * without backpressure, so the export waits on this (an internal of exceljs 4 / archiver: where
   * it is not found, 0, and the export merely yields between batches).
   */
  pendingBytes(): number {
    type State = { length?: number };
    type Pipe = { writableLength?: number; readableLength?: number; _writableState?: State; _readableState?: State };
    const pipe = (this.ws as unknown as { stream?: { pipes?: Pipe[] } }).stream?.pipes?.[0];
    if (!pipe) return 0;
    // archiver's PassThrough is readable-stream 2, which has only the underscored states.
    return (pipe.writableLength ?? pipe._writableState?.length ?? 0) + (pipe.readableLength ?? pipe._readableState?.length ?? 0);
  }

  close(): void {
    if (this.opts.autoFilter) this.ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: this.rowsInPart + 1, column: this.columns.length } };
    this.ws.commit();
  }
}

export async function exportXlsx(source: IndexSource, file: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const { signal, onProgress } = opts;
  signal?.throwIfAborted();
  checkExportTarget(file, source);
  const store = asStore(source);
  return writeViaTemp(file, async (tmp) => {
    const out = fs.createWriteStream(tmp, { highWaterMark: 1024 * 1024 });
    let failed: Error | undefined;
    out.on('error', (e) => (failed ??= e));
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
    const zip = (wb as unknown as { zip?: NodeJS.EventEmitter & { abort?: () => void } }).zip;
    zip?.on('error', (e: Error) => (failed ??= e));
    wb.creator = 'DICOM Workspace Index';
    /** Between batches: let the zip and the file catch up (bounded memory), notice an abort. */
    const pause = async (sheet?: TableSheet) => {
      do {
        if (failed) throw failed;
        signal?.throwIfAborted();
        if (out.writableNeedDrain) await once(out, 'drain', { signal });
        else await new Promise<void>((r) => setImmediate(r));
      } while (sheet && sheet.pendingBytes() > MAX_PENDING_BYTES);
      if (failed) throw failed;
    };
    try {
      const ids = await orderedFileIds(store);
      const problemIds = await orderedFileIds(store, "status <> 'ok'");
      const total = ids.length + problemIds.length;
      let done = 0;
      onProgress?.(0, total);

      const instances = new TableSheet(wb, 'Instances', EXPORT_COLUMNS, { autoFilter: true, freezeFirstColumn: true, decimal: DECIMAL_COLUMNS });
      for await (const batch of fileRowBatches(store, ids, EXPORT_COLUMNS, signal)) {
        for (const r of batch) instances.add(r);
        done += batch.length;
        onProgress?.(done, total);
        await pause(instances);
      }
      instances.close();

      await writeSeries(wb, store);
      await pause();
      await writeChecks(wb, store);
      await pause();
      await writeStudies(wb, store);
      await pause();
      writeSummary(wb, await computeStats(store));
      await pause();

      const problems = new TableSheet(wb, 'Problems', PROBLEM_SHEET_COLUMNS, { autoFilter: true });
      for await (const batch of fileRowBatches(store, problemIds, PROBLEM_SHEET_COLUMNS, signal)) {
        for (const r of batch) problems.add(r);
        done += batch.length;
        onProgress?.(done, total);
        await pause(problems);
      }
      problems.close();

      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        out.once('close', () => (failed ? reject(failed) : resolve()));
        wb.commit().catch(reject);
      });
      return { rows: instances.rows };
    } catch (e) {
      zip?.on('error', () => undefined);
      try {
        zip?.abort?.();
      } catch {
        /* the zip is thrown away anyway */
      }
      await destroyAndWait(out);
      throw e;
    }
  });
}

/** Distinct values per series, in order, from `SELECT series_id, value ... ORDER BY series_id, value`. */
function joinDistinct(values: readonly (string | number)[]): SqlValue {
  if (values.length === 0) return null;
  if (values.length === 1) {
    const n = Number(values[0]);
    return values[0] !== '' && Number.isFinite(n) ? n : values[0];
  }
  return values.join('\\');
}

/** One row per series (distinct Series UID), from the same query as the summary panel's table. */
async function writeSeries(wb: ExcelJS.stream.xlsx.WorkbookWriter, store: QueryStore): Promise<void> {
  const sheet = new TableSheet(wb, 'Series', SERIES_SHEET_COLUMNS, { autoFilter: true, decimal: new Set(['SliceThickness', 'SpacingBetweenSlices']) });
  for (const r of (await seriesTable(store)).rows) {
    sheet.add([
      r.patientId,
      r.studies > 1 ? `${r.studyUid} (+${r.studies - 1} more)` : r.studyUid,
      r.studyDate,
      r.uid || '(no Series UID)',
      r.seriesNumber,
      r.modality,
      r.description,
      r.images,
      joinDistinct(r.thickness),
      joinDistinct(r.spacingBetweenSlices),
      r.size.map((z) => z.replace('×', 'x')).join('\\') || null,
      r.manufacturer,
      r.conflicts.join(', ') || null,
    ]);
  }
  sheet.close();
}

/** One row per Series UID with its checks (computed now for series a stopped run left pending). */
async function writeChecks(wb: ExcelJS.stream.xlsx.WorkbookWriter, store: QueryStore): Promise<void> {
  const sheet = new TableSheet(wb, 'Checks', CHECK_SHEET_COLUMNS, { autoFilter: true, freezeFirstColumn: true });
  for (const s of await allCheckedSeries(store)) sheet.add(checkSheetRow(s));
  sheet.close();
}

async function writeStudies(wb: ExcelJS.stream.xlsx.WorkbookWriter, store: QueryStore): Promise<void> {
  const sheet = new TableSheet(wb, 'Studies', STUDY_SHEET_COLUMNS, { autoFilter: true });
  const text = (c: string) => byteOrder(store.dialect, c);
  await store.each(
    `SELECT p.PatientID, CASE WHEN p.PatientID = '' THEN NULL ELSE p.PatientName END, st.StudyInstanceUID, st.StudyDate, st.StudyDescription,
       (SELECT COUNT(*) FROM series_key se WHERE se.study_id = st.id),
       (SELECT COUNT(*) FROM instance i JOIN series_key se ON se.id = i.series_id WHERE se.study_id = st.id),
       CASE WHEN st.variants > 1 OR (p.variants > 1 AND p.PatientID <> '') THEN 'yes' END
     FROM study st JOIN patient p ON p.id = st.patient_id
     ORDER BY ${text('p.PatientID')}, ${text('st.StudyDate')}, ${text('st.StudyInstanceUID')}`,
    [],
    (r) => sheet.add(r),
  );
  sheet.close();
}

/** The Summary sheet's rows: [item, value]. Exported for the extension and tests. */
export function summaryRows(s: Stats): [string, SqlValue][] {
  const rows: [string, SqlValue][] = [
    ['Patients', s.patients],
    ['Studies', s.studies],
    ['Series', s.series],
    ['Instances', s.instances],
    ['Distinct SOP instances', s.distinctSopInstances],
    ['SOP Instance UIDs in more than one file', s.duplicateSopInstances],
    ['  extra files they account for', s.duplicateSopFiles],
    ['Files without a SOP Instance UID', s.missingKeys.SOPInstanceUID],
    ['Patient IDs whose files disagree on patient attributes', s.conflicts.patients],
    ['Study UIDs whose files disagree on study attributes', s.conflicts.studies],
    ['Series UIDs whose files disagree on series attributes', s.conflicts.series],
    ['Files total', s.files.total],
    ['Files ok', s.files.ok],
    ['Files partial', s.files.partial],
    ['Files error', s.files.error],
    ['Files not DICOM', s.files.notDicom],
    ['Total bytes', s.totalBytes],
    ['Instances per study mean', s.instancesPerStudy.mean],
    ['Instances per study min', s.instancesPerStudy.min],
    ['Instances per study max', s.instancesPerStudy.max],
    ['Slice thickness min (mm)', s.sliceThickness.min],
    ['Slice thickness max (mm)', s.sliceThickness.max],
    ['Slice thickness missing (files)', s.sliceThickness.missing],
    ['Slice thickness invalid (files)', s.sliceThickness.invalid],
  ];
  // Object.entries lists integer-like keys ("1", "5") first: sort the bins by thickness again.
  const bins = Object.entries(s.sliceThickness.histogram).sort((a, b) => Number(a[0]) - Number(b[0]));
  for (const [t, n] of bins) rows.push([`Slice thickness ${t} mm (files)`, n]);
  const modalities = Object.entries(s.modalities).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [m, n] of modalities) rows.push([`Modality ${m === '' ? '(none)' : m} (files)`, n]);
  rows.push(['Missing PatientID (files)', s.missingKeys.PatientID]);
  rows.push(['Missing StudyInstanceUID (files)', s.missingKeys.StudyInstanceUID]);
  rows.push(['Missing SeriesInstanceUID (files)', s.missingKeys.SeriesInstanceUID]);
  rows.push(['Missing SOPInstanceUID (files)', s.missingKeys.SOPInstanceUID]);
  rows.push(['Last indexed', s.lastIndexed]);
  rows.push(['Index incomplete', s.incomplete ? 'yes' : 'no']);
  rows.push(['Exported', new Date().toISOString()]);
  return rows;
}

function writeSummary(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Stats): void {
  const sheet = new TableSheet(wb, 'Summary', ['Item', 'Value']);
  for (const r of summaryRows(s)) sheet.add(r);
  sheet.close();
}
