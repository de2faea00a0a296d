/**
 * The dataset checks' queries, through the store interface (portable SQL): what the checks read of
 * each series' files, the tables they keep (`series_geometry`, `series_findings`, `checks_pending`),
 * and the dataset-level checks. The logic of a check lives in src/core/checks, never here.
 */
import { DATASET_CHECKS, Finding, SERIES_CHECKS, SeriesCheckName, Severity, SEVERITY_RANK } from '../../shared/checks';
import { SERIES_GEOMETRY_COLUMNS } from '../../shared/cohort';
import { countOf } from '../../shared/format';
import { CheckFile, checkSeries, SeriesVerdict } from '../checks/seriesChecks';
import type { FrameValues } from '../dicom/extract';
import { parseDecimals } from '../dicom/values';
import { placeholders, QueryStore, SqlParam } from '../store/queryStore';

/** A series' attributes as cohorts filter on them (first-seen values; the kernel most files carry). */
export interface SeriesAttributes {
  PatientID: string;
  StudyInstanceUID: string;
  Modality: string | null;
  SeriesNumber: number | null;
  SeriesDescription: string | null;
  BodyPartExamined: string | null;
  Manufacturer: string | null;
  ManufacturerModelName: string | null;
  ConvolutionKernel: string | null;
}

export interface CheckedSeries extends SeriesVerdict {
  SeriesInstanceUID: string;
  attrs: SeriesAttributes;
}

/** Series rows per query when a list is given (well under every engine's parameter limit). */
const BATCH = 500;
/** More pending series than this: read every instance once rather than series by series. */
const READ_ALL_ABOVE = 200;

interface Gathered {
  files: CheckFile[];
  kernels: Map<string, number>;
}

/** One image_attrs row, parsed once for all the files that share it. */
type ImageAttrs = Pick<CheckFile, 'orientation' | 'pixelSpacing' | 'rows' | 'columns' | 'thickness' | 'numberOfFrames' | 'imageType'> & { kernel: string | null };

const str = (v: SqlParam | undefined): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const num = (v: SqlParam | undefined): number | null => (typeof v === 'number' ? v : v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);
const NO_ATTRS: ImageAttrs = { orientation: null, pixelSpacing: null, rows: null, columns: null, thickness: null, numberOfFrames: null, imageType: null, kernel: null };

/** Runs a query for the ids in batches (`where(col)` is `WHERE col IN (…)`), or once with no condition for 'all'. */
async function eachIn(store: QueryStore, sql: (where: (col: string) => string) => string, ids: readonly number[] | 'all', fn: (r: SqlParam[]) => void): Promise<void> {
  if (ids === 'all') return store.each(sql(() => ''), [], fn);
  for (const part of batches(ids)) await store.each(sql((col) => `WHERE ${col} IN (${placeholders(part.length)})`), part, fn);
}

/**
 * Calls `onSeries` with the files of each of the given series (every series for 'all'), frames and all,
 * one series at a time (rows come in series order, so a series' files are dropped once it is checked:
 * memory holds one series, not 244,000 files). Reads numbers and ids only (positions as pos_x/y/z,
 * the rest through image_attrs), except the SOP Instance UIDs of series that can hold copies.
 */
async function gather(store: QueryStore, uids: readonly string[] | 'all', onSeries: (uid: string, g: Gathered) => void): Promise<void> {
  const uidOf = new Map<number, string>();
  const rowsOf = new Map<string, number[]>();
  await store.each("SELECT id, SeriesInstanceUID FROM series_key WHERE SeriesInstanceUID <> ''", [], (r) => {
    const uid = String(r[1]);
    uidOf.set(r[0] as number, uid);
    const list = rowsOf.get(uid);
    if (list) list.push(r[0] as number);
    else rowsOf.set(uid, [r[0] as number]);
  });
  const wanted = uids === 'all' ? null : new Set(uids);
  const ids: number[] | 'all' = wanted === null || wanted.size > READ_ALL_ABOVE ? 'all' : [...wanted].flatMap((u) => rowsOf.get(u) ?? []);
  const dirs = new Map<number, string>();
  await store.each('SELECT id, path FROM dirs', [], (r) => dirs.set(r[0] as number, String(r[1])));
  const attrs = new Map<number, ImageAttrs>();
  await store.each('SELECT id, ImageOrientationPatient, PixelSpacing, Rows, Columns, SliceThickness, NumberOfFrames, ImageType, ConvolutionKernel FROM image_attrs', [], (r) =>
    attrs.set(r[0] as number, {
      orientation: parseDecimals(str(r[1]), 6),
      pixelSpacing: parseDecimals(str(r[2]), 2),
      rows: num(r[3]),
      columns: num(r[4]),
      thickness: num(r[5]),
      numberOfFrames: num(r[6]),
      imageType: str(r[7]),
      kernel: str(r[8]),
    }),
  );
  // SOP Instance UIDs only where they can repeat: a series row with copies, or a UID under several studies.
  const withCopies: number[] = [];
  await eachIn(
    store,
    (where) => `SELECT series_id FROM instance ${where('series_id')} GROUP BY series_id HAVING COUNT(SOPInstanceUID) > COUNT(DISTINCT SOPInstanceUID)`,
    ids,
    (r) => withCopies.push(r[0] as number),
  );
  for (const [uid, rows] of rowsOf) if (rows.length > 1 && (!wanted || wanted.has(uid))) withCopies.push(...rows);
  const sops = new Map<number, { sop: string | null; name: string }>();
  if (withCopies.length)
    await eachIn(store, (where) => `SELECT i.file_id, i.SOPInstanceUID, f.name FROM instance i JOIN files f ON f.id = i.file_id ${where('i.series_id')}`, [...new Set(withCopies)], (r) =>
      sops.set(r[0] as number, { sop: str(r[1]), name: String(r[2]) }),
    );
  // Per-frame geometry (enhanced multi-frame objects): few rows, read whole.
  const framesOf = new Map<number, FrameValues[]>();
  await store.each('SELECT file_id, frame_no, ImagePositionPatient, ImageOrientationPatient, PixelSpacing, SliceThickness FROM frame ORDER BY file_id, frame_no', [], (r) => {
    const id = r[0] as number;
    let list = framesOf.get(id);
    if (!list) framesOf.set(id, (list = []));
    list.push({ position: str(r[2]), orientation: str(r[3]), pixelSpacing: str(r[4]), thickness: num(r[5]) });
  });

  // A UID under several series rows is handed on when all its rows are read; any other when its row ends.
  const several = new Map<string, Gathered>();
  let currentRow = -1;
  let current: Gathered | null = null;
  const flush = () => {
    if (!current) return;
    const uid = uidOf.get(currentRow)!;
    if ((rowsOf.get(uid)?.length ?? 0) > 1) {
      const g = several.get(uid);
      if (g) {
        g.files.push(...current.files);
        for (const [k, n] of current.kernels) g.kernels.set(k, (g.kernels.get(k) ?? 0) + n);
      } else several.set(uid, current);
    } else onSeries(uid, current);
    current = null;
  };
  await eachIn(
    store,
    (where) => `SELECT i.series_id, i.file_id, f.dir_id, i.InstanceNumber, i.pos_x, i.pos_y, i.pos_z, i.image_attrs_id FROM instance i JOIN files f ON f.id = i.file_id ${where('i.series_id')} ORDER BY i.series_id`,
    ids,
    (r) => {
      const row = r[0] as number;
      if (row !== currentRow) {
        flush();
        currentRow = row;
      }
      const uid = uidOf.get(row);
      if (uid === undefined || (wanted && !wanted.has(uid))) return;
      current ??= { files: [], kernels: new Map() };
      const a = attrs.get(r[7] as number) ?? NO_ATTRS;
      const x = r[4];
      const fileId = r[1] as number;
      current.files.push({
        fileId,
        dir: dirs.get(r[2] as number) ?? '',
        sop: sops.get(fileId)?.sop ?? null,
        name: sops.get(fileId)?.name ?? null,
        instanceNumber: num(r[3]),
        imageType: a.imageType,
        position: typeof x === 'number' ? [x, r[5] as number, r[6] as number] : null,
        orientation: a.orientation,
        pixelSpacing: a.pixelSpacing,
        rows: a.rows,
        columns: a.columns,
        thickness: a.thickness,
        numberOfFrames: a.numberOfFrames,
        frames: framesOf.get(fileId) ?? null,
      });
      if (a.kernel) current.kernels.set(a.kernel, (current.kernels.get(a.kernel) ?? 0) + 1);
    },
  );
  flush();
  for (const [uid, g] of several) onSeries(uid, g);
}

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}

/** A series' attributes from a row holding, from column 1: PatientID, StudyInstanceUID, Modality, SeriesNumber, SeriesDescription, BodyPartExamined, Manufacturer, ManufacturerModelName. */
function attrsOf(r: SqlParam[]): Omit<SeriesAttributes, 'ConvolutionKernel'> {
  return {
    PatientID: String(r[1] ?? ''),
    StudyInstanceUID: String(r[2] ?? ''),
    Modality: str(r[3]),
    SeriesNumber: num(r[4]),
    SeriesDescription: str(r[5]),
    BodyPartExamined: str(r[6]),
    Manufacturer: str(r[7]),
    ManufacturerModelName: str(r[8]),
  };
}

/** First-seen attributes of each Series UID (of its lowest series row). */
async function attributes(store: QueryStore, uids: ReadonlySet<string> | null): Promise<Map<string, Omit<SeriesAttributes, 'ConvolutionKernel'>>> {
  const out = new Map<string, Omit<SeriesAttributes, 'ConvolutionKernel'>>();
  await store.each(
    `SELECT rk.SeriesInstanceUID, pk.PatientID, sk.StudyInstanceUID, s.Modality, s.SeriesNumber, s.SeriesDescription, s.BodyPartExamined, s.Manufacturer, s.ManufacturerModelName
     FROM series s JOIN series_key rk ON rk.id = s.id JOIN study_key sk ON sk.id = rk.study_id JOIN patient_key pk ON pk.id = sk.patient_id
     ORDER BY rk.id`,
    [],
    (r) => {
      const uid = String(r[0]);
      if ((uids && !uids.has(uid)) || out.has(uid)) return;
      out.set(uid, attrsOf(r));
    },
  );
  return out;
}

/** Checks the given series (every series for 'all') from the index, without storing anything. */
export async function checkSeriesOf(store: QueryStore, uids: readonly string[] | 'all'): Promise<Map<string, CheckedSeries>> {
  const attrs = await attributes(store, uids === 'all' ? null : new Set(uids));
  const out = new Map<string, CheckedSeries>();
  await gather(store, uids, (uid, g) => {
    const a = attrs.get(uid);
    let kernel: string | null = null;
    let most = 0;
    for (const [k, n] of g.kernels) if (n > most) [kernel, most] = [k, n];
    out.set(uid, {
      SeriesInstanceUID: uid,
      ...checkSeries(g.files),
      attrs: { PatientID: a?.PatientID ?? '', StudyInstanceUID: a?.StudyInstanceUID ?? '', Modality: null, SeriesNumber: null, SeriesDescription: null, BodyPartExamined: null, Manufacturer: null, ManufacturerModelName: null, ...a, ConvolutionKernel: kernel },
    });
  });
  return out;
}

const GEOMETRY_COLUMNS = SERIES_GEOMETRY_COLUMNS;

function geometryRow(s: CheckedSeries): SqlParam[] {
  const a = s.attrs;
  return [
    s.SeriesInstanceUID,
    a.PatientID,
    a.StudyInstanceUID,
    a.Modality,
    a.SeriesNumber,
    a.SeriesDescription,
    a.BodyPartExamined,
    a.Manufacturer,
    a.ManufacturerModelName,
    a.ConvolutionKernel,
    s.files,
    s.images,
    s.volume ? 1 : 0,
    s.original ? 1 : 0,
    s.orientation,
    s.rows,
    s.columns,
    s.pixelSpacing,
    s.thickness,
    s.spacing?.min ?? null,
    s.spacing?.median ?? null,
    s.spacing?.max ?? null,
    s.spacingNote,
    s.folder,
    s.worst,
    s.findings.length,
  ];
}

export interface RefreshResult {
  /** Series whose checks were computed. */
  series: number;
  ms: number;
}

/**
 * Computes and stores the checks of the series whose files changed (`checks_pending`), or of every
 * series (`all`, e.g. after a rebuild), in one transaction with the clearing of their pending mark.
 */
/** Series whose checks are computed between two turns of the event loop (refreshChecks). */
const SERIES_PER_PART = 32;

export async function refreshChecks(store: QueryStore, opts: { all?: boolean } = {}): Promise<RefreshResult> {
  const t0 = Date.now();
  const marks = (await store.rows('SELECT SeriesInstanceUID, generation FROM checks_pending')).map((r) => [String(r[0]), Number(r[1])] as const);
  const pending = opts.all ? 'all' : marks.map(([uid]) => uid);
  if (pending !== 'all' && !pending.length) return { series: 0, ms: Date.now() - t0 };
  // The series in parts, with a turn of the event loop between them: a host (VS Code's extension
  // host) stays responsive while the checks of a whole new index are computed (each series' checks
  // read only its own files).
  let checked: Map<string, CheckedSeries>;
  if (pending === 'all') checked = await checkSeriesOf(store, 'all');
  else {
    checked = new Map();
    for (let i = 0; i < pending.length; i += SERIES_PER_PART) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const [uid, s] of await checkSeriesOf(store, pending.slice(i, i + SERIES_PER_PART))) checked.set(uid, s);
    }
  }
  await store.transaction(async () => {
    // One refresh at a time (several writers of one PostgreSQL index): the last to commit wins.
    await store.lock('checks');
    // A mark cleared only if no writer renewed it meanwhile (then this view of its series may be old).
    for (const [uid, generation] of marks) await store.run('DELETE FROM checks_pending WHERE SeriesInstanceUID = ? AND generation = ?', [uid, generation]);
    if (pending === 'all') {
      await store.run('DELETE FROM series_findings');
      await store.run('DELETE FROM series_geometry');
    } else {
      for (const part of batches(pending)) {
        const ph = placeholders(part.length);
        await store.run(`DELETE FROM series_findings WHERE SeriesInstanceUID IN (${ph})`, part);
        await store.run(`DELETE FROM series_geometry WHERE SeriesInstanceUID IN (${ph})`, part);
      }
    }
    const insertGeometry = `INSERT INTO series_geometry(${GEOMETRY_COLUMNS.join(', ')}) VALUES (${placeholders(GEOMETRY_COLUMNS.length)})`;
    const insertFinding = 'INSERT INTO series_findings(SeriesInstanceUID, check_name, severity, count, detail) VALUES (?, ?, ?, ?, ?)';
    for (const s of checked.values()) {
      await store.run(insertGeometry, geometryRow(s));
      for (const f of s.findings) await store.run(insertFinding, [s.SeriesInstanceUID, f.check, f.severity, f.count, f.detail]);
    }
  });
  return { series: pending === 'all' ? checked.size : pending.length, ms: Date.now() - t0 };
}

/** One series as the stored tables hold it: its verdict without the file order (which is not stored). */
export type StoredSeries = Omit<CheckedSeries, 'order'>;

const fromChecked = ({ order: _order, ...s }: CheckedSeries): StoredSeries => s;

/**
 * Every series' checks: the stored rows, and for series still pending (a run that stopped before it
 * computed them, or an index opened read-only) checks computed now. Ordered by patient, study, series number.
 */
export async function allCheckedSeries(store: QueryStore): Promise<StoredSeries[]> {
  const pending = (await store.rows('SELECT SeriesInstanceUID FROM checks_pending')).map((r) => String(r[0]));
  const pendingSet = new Set(pending);
  const findings = new Map<string, Finding[]>();
  await store.each('SELECT SeriesInstanceUID, check_name, severity, count, detail FROM series_findings', [], (r) => {
    const uid = String(r[0]);
    if (pendingSet.has(uid)) return;
    let list = findings.get(uid);
    if (!list) findings.set(uid, (list = []));
    list.push({ check: r[1] as Finding['check'], severity: r[2] as Severity, count: num(r[3]), detail: String(r[4]) });
  });
  const out: StoredSeries[] = [];
  await store.each(`SELECT ${GEOMETRY_COLUMNS.join(', ')} FROM series_geometry`, [], (r) => {
    const uid = String(r[0]);
    if (pendingSet.has(uid)) return;
    const list = findings.get(uid) ?? [];
    list.sort((a, b) => FINDING_ORDER.indexOf(a.check) - FINDING_ORDER.indexOf(b.check));
    out.push({
      SeriesInstanceUID: uid,
      attrs: { ...attrsOf(r), ConvolutionKernel: str(r[9]) },
      files: r[10] as number,
      images: r[11] as number,
      volume: r[12] === 1,
      original: r[13] === 1,
      orientation: str(r[14]),
      rows: num(r[15]),
      columns: num(r[16]),
      pixelSpacing: str(r[17]),
      thickness: num(r[18]),
      spacing: r[19] === null ? null : { min: r[19] as number, median: num(r[20]), max: r[21] as number },
      spacingNote: str(r[22]),
      folder: String(r[23] ?? ''),
      worst: (r[24] as Severity | null) ?? null,
      findings: list,
    });
  });
  if (pending.length) for (const s of (await checkSeriesOf(store, pending)).values()) out.push(fromChecked(s));
  out.sort(
    (a, b) =>
      cmp(a.attrs.PatientID, b.attrs.PatientID) ||
      cmp(a.attrs.StudyInstanceUID, b.attrs.StudyInstanceUID) ||
      (a.attrs.SeriesNumber ?? Infinity) - (b.attrs.SeriesNumber ?? Infinity) ||
      cmp(a.SeriesInstanceUID, b.SeriesInstanceUID),
  );
  return out;
}

const FINDING_ORDER = Object.keys(SERIES_CHECKS);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The dataset-level checks: one UID under several parents. */
export async function datasetFindings(store: QueryStore): Promise<Finding[]> {
  const out: Finding[] = [];
  const studies = await store.rows(
    `SELECT COUNT(*) FROM (SELECT StudyInstanceUID FROM study_key WHERE StudyInstanceUID <> '' GROUP BY StudyInstanceUID HAVING COUNT(DISTINCT patient_id) > 1) t`,
  );
  const s = Number(studies[0]?.[0] ?? 0);
  if (s) out.push({ check: 'study_in_several_patients', severity: DATASET_CHECKS.study_in_several_patients.severity, count: s, detail: `${countOf(s, 'Study UID')} found under more than one PatientID` });
  const series = await store.rows(
    `SELECT COUNT(*) FROM (SELECT rk.SeriesInstanceUID FROM series_key rk JOIN study_key sk ON sk.id = rk.study_id
     WHERE rk.SeriesInstanceUID <> '' GROUP BY rk.SeriesInstanceUID HAVING COUNT(DISTINCT sk.StudyInstanceUID) > 1) t`,
  );
  const r = Number(series[0]?.[0] ?? 0);
  if (r) out.push({ check: 'series_in_several_studies', severity: DATASET_CHECKS.series_in_several_studies.severity, count: r, detail: `${countOf(r, 'Series UID')} found under more than one StudyInstanceUID` });
  return out;
}

// ---- for the tree: a study's series, the counts per check, the series of one check -------------------

/** What the tree shows of one Series UID's checks. */
export interface SeriesChecks {
  images: number;
  volume: boolean;
  spacing: { min: number; median: number | null; max: number } | null;
  spacingNote: string | null;
  worst: Severity | null;
  findings: Finding[];
}

const NOT_PENDING = (col: string) => `NOT EXISTS (SELECT 1 FROM checks_pending p WHERE p.SeriesInstanceUID = ${col})`;

/** The pending Series UIDs (among `uids`, or all), checked now: their stored rows are stale or missing. */
async function checkPending(store: QueryStore, uids?: readonly string[]): Promise<Map<string, CheckedSeries>> {
  const pending: string[] = [];
  if (uids) for (const part of batches(uids)) pending.push(...(await store.rows(`SELECT SeriesInstanceUID FROM checks_pending WHERE SeriesInstanceUID IN (${placeholders(part.length)})`, part)).map((r) => String(r[0])));
  else pending.push(...(await store.rows('SELECT SeriesInstanceUID FROM checks_pending')).map((r) => String(r[0])));
  return pending.length ? checkSeriesOf(store, pending) : new Map();
}

const sortFindings = (list: Finding[]) => list.sort((a, b) => FINDING_ORDER.indexOf(a.check) - FINDING_ORDER.indexOf(b.check));

/** The checks of these Series UIDs (a study's series in the tree), keyed by UID. */
export async function checksOfSeries(store: QueryStore, uids: readonly string[]): Promise<Map<string, SeriesChecks>> {
  const out = new Map<string, SeriesChecks>();
  const wanted = [...new Set(uids.filter((u) => u !== ''))];
  for (const part of batches(wanted)) {
    const ph = placeholders(part.length);
    await store.each(
      `SELECT SeriesInstanceUID, images, volume, step_min, step_median, step_max, spacing_note, worst_severity FROM series_geometry g WHERE SeriesInstanceUID IN (${ph}) AND ${NOT_PENDING('g.SeriesInstanceUID')}`,
      part,
      (r) =>
        out.set(String(r[0]), {
          images: Number(r[1] ?? 0),
          volume: r[2] === 1,
          spacing: r[3] === null ? null : { min: r[3] as number, median: num(r[4]), max: r[5] as number },
          spacingNote: str(r[6]),
          worst: (r[7] as Severity | null) ?? null,
          findings: [],
        }),
    );
    await store.each(`SELECT SeriesInstanceUID, check_name, severity, count, detail FROM series_findings WHERE SeriesInstanceUID IN (${ph})`, part, (r) =>
      out.get(String(r[0]))?.findings.push({ check: r[1] as Finding['check'], severity: r[2] as Severity, count: num(r[3]), detail: String(r[4]) }),
    );
  }
  for (const s of out.values()) sortFindings(s.findings);
  for (const [uid, s] of await checkPending(store, wanted)) out.set(uid, { images: s.images, volume: s.volume, spacing: s.spacing, spacingNote: s.spacingNote, worst: s.worst, findings: s.findings });
  return out;
}

/** One series check that fired: on how many series, and its count summed over them (null: it has none). */
export interface CheckTally {
  check: SeriesCheckName;
  severity: Severity;
  series: number;
  count: number | null;
}

export interface ChecksOverview {
  /** Series checked (distinct Series UIDs) and how many of them are volumes, and have findings. */
  series: number;
  volumes: number;
  withFindings: number;
  /** The checks that fired, worst severity first, then in the order of SERIES_CHECKS. */
  checks: CheckTally[];
  dataset: Finding[];
}

/** The counts behind the tree's Checks node: grouped in the store, plus any series still pending. */
export async function checksOverview(store: QueryStore): Promise<ChecksOverview> {
  const [totals] = await store.rows(
    `SELECT COUNT(*), SUM(CASE WHEN volume = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN findings > 0 THEN 1 ELSE 0 END) FROM series_geometry g WHERE ${NOT_PENDING('g.SeriesInstanceUID')}`,
  );
  const o = { series: Number(totals?.[0] ?? 0), volumes: Number(totals?.[1] ?? 0), withFindings: Number(totals?.[2] ?? 0) };
  const tallies = new Map<SeriesCheckName, CheckTally>();
  const tally = (check: SeriesCheckName, series: number, count: number | null) => {
    const t = tallies.get(check) ?? { check, severity: SERIES_CHECKS[check].severity, series: 0, count: null };
    t.series += series;
    if (count !== null) t.count = (t.count ?? 0) + count;
    tallies.set(check, t);
  };
  await store.each(`SELECT check_name, COUNT(*), SUM(count) FROM series_findings f WHERE ${NOT_PENDING('f.SeriesInstanceUID')} GROUP BY check_name`, [], (r) => {
    if (Object.prototype.hasOwnProperty.call(SERIES_CHECKS, String(r[0]))) tally(r[0] as SeriesCheckName, Number(r[1]), num(r[2]));
  });
  for (const s of (await checkPending(store)).values()) {
    o.series++;
    if (s.volume) o.volumes++;
    if (s.findings.length) o.withFindings++;
    for (const f of s.findings) tally(f.check as SeriesCheckName, 1, f.count);
  }
  const checks = [...tallies.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || FINDING_ORDER.indexOf(a.check) - FINDING_ORDER.indexOf(b.check));
  return { ...o, checks, dataset: await datasetFindings(store) };
}

/** A series on which one check fired, as the tree lists it (never a PatientName). */
export interface FlaggedSeries {
  SeriesInstanceUID: string;
  PatientID: string;
  Modality: string | null;
  SeriesNumber: number | null;
  SeriesDescription: string | null;
  finding: Finding;
}

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The series on which `check` fired, by PatientID (natural order), SeriesNumber, description; the first `limit` and how many in all. */
export async function seriesWithCheck(store: QueryStore, check: SeriesCheckName, limit = Infinity): Promise<{ rows: FlaggedSeries[]; total: number }> {
  const rows: FlaggedSeries[] = [];
  await store.each(
    `SELECT g.SeriesInstanceUID, g.PatientID, g.Modality, g.SeriesNumber, g.SeriesDescription, f.severity, f.count, f.detail
     FROM series_findings f JOIN series_geometry g ON g.SeriesInstanceUID = f.SeriesInstanceUID
     WHERE f.check_name = ? AND ${NOT_PENDING('f.SeriesInstanceUID')}`,
    [check],
    (r) =>
      rows.push({
        SeriesInstanceUID: String(r[0]),
        PatientID: String(r[1] ?? ''),
        Modality: str(r[2]),
        SeriesNumber: num(r[3]),
        SeriesDescription: str(r[4]),
        finding: { check, severity: r[5] as Severity, count: num(r[6]), detail: String(r[7]) },
      }),
  );
  for (const s of (await checkPending(store)).values()) {
    const finding = s.findings.find((f) => f.check === check);
    if (finding) rows.push({ SeriesInstanceUID: s.SeriesInstanceUID, PatientID: s.attrs.PatientID, Modality: s.attrs.Modality, SeriesNumber: s.attrs.SeriesNumber, SeriesDescription: s.attrs.SeriesDescription, finding });
  }
  rows.sort(
    (a, b) =>
      (a.PatientID ? 0 : 1) - (b.PatientID ? 0 : 1) ||
      natural.compare(a.PatientID, b.PatientID) ||
      (a.SeriesNumber ?? Infinity) - (b.SeriesNumber ?? Infinity) ||
      natural.compare(a.SeriesDescription ?? '', b.SeriesDescription ?? '') ||
      cmp(a.SeriesInstanceUID, b.SeriesInstanceUID),
  );
  return { rows: rows.slice(0, limit), total: rows.length };
}
