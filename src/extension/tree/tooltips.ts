/**
 * Hover tooltips, built lazily (resolveTreeItem) as untrusted Markdown: an instance shows what a
 * person looks for first (patient, study, series, instance number, position, thickness, size,
 * window, transfer syntax), then a thumbnail of its image, then the tags read from its file; a
 * series its checks, the thumbnail of its middle slice (by position) and a summary from the index;
 * a study or patient a summary. Every value that came from a file goes through escapeMarkdown; the
 * thumbnail is our own PNG as a data URI (the only image or link syntax in a hover).
 */
import * as fs from 'node:fs';
import type { SqlValue } from 'sql.js';
import * as vscode from 'vscode';
import { readFileTags } from '../../core/tags';
import type { IndexService } from '../contracts';
import { fileOf, TreeElement } from './elements';
import { count, formatDate, formatMm, NO_PATIENT_ID, NO_SERIES_UID, num } from './format';
import { clip, escapeMarkdown as esc, safeMarkdown, table } from './markdown';
import * as q from '../../core/queries/tree';
import type { SeriesChecks } from '../../core/queries/checks';
import { checksMarkdown } from './seriesFindings';
import { middleSlice, seriesSlices } from '../../core/queries/seriesSlices';
import { asStore } from '../../core/store/source';
import type { TagRow } from '../../core/dicom/dump';
import { transferSyntaxName } from '../../shared/transferSyntax';
import { ThumbnailCache } from './thumbnails';
import { indexedFile } from '../../core/indexedPath';

/** The hovers' thumbnails (in memory, bounded). */
export const thumbnails = new ThumbnailCache();

/** Rows shown in an instance hover; Show Tags has them all. */
export const HOVER_MAX_ROWS = 250;
/** Long enough for any UID (64). */
const HOVER_MAX_VALUE = 64;
const ZWSP = '\u200b';

/**
 * Hovers are at most 500 px wide and table cells only wrap at break opportunities: let long values
 * (UIDs, multi-values, paths) and long CamelCase keywords wrap, with zero-width spaces after
 * separators, before inner capitals, and every 16 characters of an unbroken run.
 */
export function wrappable(s: string, keyword = false): string {
  if (s.length <= (keyword ? 22 : 16)) return s;
  const t = keyword ? s.replace(/([a-z0-9])(?=[A-Z])/g, `$1${ZWSP}`) : s.replace(/([.\\^/_,;:=-])(?=.)/g, `$1${ZWSP}`);
  return t.replace(/[^\s\u200b]{16}(?=[^\s\u200b])/g, (m) => m + ZWSP);
}

export async function buildTooltip(service: IndexService, el: TreeElement): Promise<vscode.MarkdownString | string | undefined> {
  switch (el.kind) {
    case 'instance':
      return instanceTooltip(el.row.path, fileOf(el)?.fsPath, el.row.status);
    case 'series': {
      const r = await service.withDatabase(el.folder, async (idx) => ({
        details: await q.seriesDetails(idx, el.row.id),
        middle: el.row.SeriesInstanceUID ? middleSliceOf(await seriesSlices(asStore(idx), el.row.SeriesInstanceUID)) : undefined,
      }));
      if (!r) return undefined;
      const middle = r.middle ? indexedFile(el.folder.uri.fsPath, r.middle.path) : undefined;
      const image = r.middle && middle ? await thumbnailMarkdown(middle, r.middle.frame, r.middle.label) : '';
      return seriesTooltip(r.details, el.checks, image);
    }
    case 'study':
      return service.withDatabase(el.folder, async (idx) => studyTooltip(await q.studyDetails(idx, el.row.id)));
    case 'patient':
      return service.withDatabase(el.folder, async (idx) => patientTooltip(await q.patientDetails(idx, el.row.id), el.row.studies));
    case 'problem':
      return `${el.row.path}\n${el.row.status}${el.row.error ? `: ${el.row.error}` : ''}`;
    case 'problems':
      return `${count(el.count, 'file')} that could not be read completely or are not DICOM`;
    case 'folder':
      return service.dbPath(el.folder);
    default:
      return undefined;
  }
}

/** The middle slice of a series by position, and how to say which it is. */
function middleSliceOf(s: Awaited<ReturnType<typeof seriesSlices>>): { path: string; frame: number; label: string } | undefined {
  const m = s && middleSlice(s);
  if (!s || !m) return undefined;
  const i = s.slices.indexOf(m);
  return { path: m.path, frame: m.frame, label: `the middle slice, ${i + 1} of ${s.slices.length}${m.position !== null ? ` at ${m.position} mm` : ''}` };
}

/**
 * The thumbnail paragraph: our PNG as a data URI (alt text ours, no file value in it), or why
 * there is none (the file is not on this machine, or cannot be decoded), in words.
 */
export async function thumbnailMarkdown(file: string, frame = 0, what = 'the image'): Promise<string> {
  const t = await thumbnails.get(file, frame);
  if (t.ok) return `![thumbnail](${t.dataUri})  \n${esc(`${what[0].toUpperCase()}${what.slice(1)}, in its own window`)}`;
  if (t.missing) return `*${esc(`No image: the file is not on this machine (it may be on another machine that shares the index, or it was moved).`)}*`;
  return `*${esc(`No image: ${t.reason}`)}*`;
}

/** What a person looks for first in an instance hover, from its top-level tags (values escaped). */
function leadFacts(rows: readonly TagRow[], transferSyntax: string | null): string {
  const top = new Map<string, string>();
  for (const r of rows) if (r.depth === 0 && !top.has(r.keyword)) top.set(r.keyword, r.value);
  const v = (k: string) => top.get(k) ?? '';
  const join = (...xs: string[]) => xs.filter(Boolean).join(' · ');
  const frames = Number(v('NumberOfFrames'));
  return facts([
    ['Patient', [v('PatientName').replace(/\^+/g, ' ').trim(), v('PatientID') ? `(${v('PatientID')})` : ''].filter(Boolean).join(' ')],
    ['Study', join(formatDate(v('StudyDate')), v('StudyDescription'))],
    ['Series', join(v('Modality'), v('SeriesNumber') ? `#${v('SeriesNumber')}` : '', v('SeriesDescription'))],
    ['Instance number', v('InstanceNumber')],
    ['Position', v('ImagePositionPatient') ? `${v('ImagePositionPatient').split('\\').join(', ')} mm` : ''],
    ['Slice thickness', v('SliceThickness') ? `${v('SliceThickness')} mm` : ''],
    ['Size', v('Rows') && v('Columns') ? `${v('Columns')} × ${v('Rows')}${frames > 1 ? `, ${num(frames)} frames` : ''}` : ''],
    ['Window', v('WindowCenter') || v('WindowWidth') ? `${v('WindowCenter')} / ${v('WindowWidth')}${v('VOILUTFunction') ? ` (${v('VOILUTFunction')})` : ''}` : ''],
    ['Transfer syntax', transferSyntax ? transferSyntaxName(transferSyntax) : ''],
  ]);
}

export async function instanceTooltip(relPath: string, file: string | undefined, indexedStatus: string): Promise<vscode.MarkdownString> {
  const md = safeMarkdown();
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  md.appendMarkdown(`**${esc(name)}**\n\n`);
  if (file === undefined) {
    md.appendMarkdown(`${esc(relPath)}\n\n${esc("The index's path of this file leads outside the workspace folder: it is not read.")}`);
    return md;
  }
  if (!fs.existsSync(file)) {
    md.appendMarkdown(`${esc(relPath)}\n\n${esc('The file is not reachable from here: it is not on this machine (it may be on another machine that shares the index, or it was moved). No image and no tags.')}`);
    return md;
  }
  const tags = await readFileTags(file, { maxValueLength: HOVER_MAX_VALUE, maxRows: HOVER_MAX_ROWS + 1, maxDepth: 4 });
  const lead = leadFacts(tags.rows, tags.transferSyntax);
  if (lead) md.appendMarkdown(`${lead}\n\n`);
  const facts = [`${esc(wrappable(relPath))}`, `${esc(num(tags.size))} bytes`];
  if (tags.status !== 'ok' || indexedStatus !== 'ok') facts.push(`status ${esc(tags.status)}${tags.error ? `: ${esc(tags.error)}` : ''}`);
  if (tags.rows.some((r) => r.depth === 0 && r.tag === '(7FE0,0010)')) md.appendMarkdown(`${await thumbnailMarkdown(file)}\n\n`);
  md.appendMarkdown(facts.join(' · ') + '\n\n');
  if (!tags.rows.length) return md;
  const shown = tags.rows.slice(0, HOVER_MAX_ROWS);
  md.appendMarkdown(
    table(
      ['Keyword', 'Tag', 'VR', 'Value'],
      shown.map((r) => [`${'› '.repeat(r.depth)}${wrappable(r.keyword, true)}`, r.tag, r.vr, wrappable(clip(r.value, HOVER_MAX_VALUE))]),
    ),
  );
  if (tags.rows.length > HOVER_MAX_ROWS) md.appendMarkdown(`\n\nThe first ${HOVER_MAX_ROWS} elements; "Show Tags" lists them all.`);
  return md;
}

const s = (v: SqlValue | undefined) => (v === null || v === undefined ? '' : String(v));
const n = (v: SqlValue | undefined) => (v === null || v === undefined ? 0 : Number(v));
const mb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;

/** `Label: value` lines (labels are ours, values escaped). */
function facts(rows: [string, string][]): string {
  return rows
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `- ${esc(k)}: ${esc(v)}`)
    .join('\n');
}

export function seriesTooltip(d: Record<string, SqlValue> | undefined, checks?: SeriesChecks, image = ''): vscode.MarkdownString {
  const md = safeMarkdown();
  if (!d) return md;
  // Files without a SeriesInstanceUID are grouped, not a series: no one file's series attributes for all.
  const group = !s(d.SeriesInstanceUID);
  const title = [s(d.Modality), d.SeriesNumber !== null ? `#${s(d.SeriesNumber)}` : '', s(d.SeriesDescription)].filter(Boolean).join(' ');
  md.appendMarkdown(group ? `**${esc(NO_SERIES_UID)}**: files of this study without a SeriesInstanceUID\n\n` : `**Series ${esc(title)}**\n\n`);
  // Its checks first, where the hover shows them without scrolling.
  if (!group) md.appendMarkdown(`${checksMarkdown(checks)}\n\n`);
  if (image) md.appendMarkdown(`${image}\n\n`);
  const range = (a: SqlValue, b: SqlValue, unit = '') => (a === null ? '' : a === b ? `${s(a)}${unit}` : `${s(a)} – ${s(b)}${unit}`);
  const size = d.rowsMin === null ? '' : `${range(d.rowsMin, d.rowsMax)} × ${range(d.colsMin, d.colsMax)}`;
  md.appendMarkdown(
    facts([
      ['Images', `${num(n(d.images))}${n(d.frames) > n(d.images) ? ` (${num(n(d.frames))} frames)` : ''}${n(d.partial) ? `, ${num(n(d.partial))} partial` : ''}`],
      ['Instance numbers', range(d.firstInstance, d.lastInstance)],
      ['Slice thickness', formatMm(d.thicknessMin as number | null, d.thicknessMax as number | null) + (n(d.thicknessMissing) ? ` (${num(n(d.thicknessMissing))} without)` : '')],
      ['Spacing between slices', formatMm(d.spacingMin as number | null, d.spacingMax as number | null)],
      ['Slice locations', d.locationMin === null ? '' : `${range(d.locationMin, d.locationMax)} mm`],
      ['Rows × Columns', size],
      ['Pixel spacing', n(d.pixelSpacings) > 1 ? `${num(n(d.pixelSpacings))} different` : s(d.pixelSpacing)],
      ['Kernel', n(d.kernels) > 1 ? `${num(n(d.kernels))} different` : s(d.kernel)],
      ['Body part', group ? '' : s(d.BodyPartExamined)],
      ['Manufacturer', group ? '' : [s(d.Manufacturer), s(d.ManufacturerModelName)].filter(Boolean).join(' ')],
      ['Size on disk', d.bytes === null ? '' : mb(n(d.bytes))],
      ['SeriesInstanceUID', s(d.SeriesInstanceUID)],
    ]),
  );
  return md;
}

export function studyTooltip(d: { study: Record<string, SqlValue>; series: Record<string, SqlValue>[] }): vscode.MarkdownString {
  const md = safeMarkdown();
  const st = d.study;
  if (!st) return md;
  md.appendMarkdown(`**Study ${esc([formatDate(s(st.StudyDate)), s(st.StudyDescription)].filter(Boolean).join(' · '))}**\n\n`);
  md.appendMarkdown(
    facts([
      ['Series', num(n(st.series))],
      ['Images', num(n(st.images))],
      ['Modalities', s(st.modalities).split(',').join(', ')],
      ['Slice thickness', formatMm(st.thicknessMin as number | null, st.thicknessMax as number | null)],
      ['Study date', formatDate(s(st.StudyDate))],
      ['Accession number', s(st.AccessionNumber)],
      ['Size on disk', st.bytes === null ? '' : mb(n(st.bytes))],
      ['StudyInstanceUID', s(st.StudyInstanceUID)],
    ]),
  );
  if (d.series.length) {
    md.appendMarkdown('\n\n');
    md.appendMarkdown(
      table(
        ['Series', 'Modality', 'Description', 'Images', 'Thickness'],
        d.series.slice(0, 30).map((r) => [s(r.SeriesNumber), s(r.Modality), clip(s(r.SeriesDescription), 48), num(n(r.images)), formatMm(r.thicknessMin as number | null, r.thicknessMax as number | null)]),
      ),
    );
    if (d.series.length > 30) md.appendMarkdown(`\n\n… and ${d.series.length - 30} more series`);
  }
  return md;
}

export function patientTooltip(d: Record<string, SqlValue> | undefined, studies: number): vscode.MarkdownString {
  const md = safeMarkdown();
  if (!d) return md;
  // Files without a PatientID are not one patient: no name, sex, age or birth date of one of them.
  const group = !s(d.PatientID);
  md.appendMarkdown(group ? `**${esc(NO_PATIENT_ID)}**: studies of files without a PatientID\n\n` : `**Patient ${esc(s(d.PatientName) || s(d.PatientID))}**\n\n`);
  const dates = d.firstDate === null ? '' : d.firstDate === d.lastDate ? formatDate(s(d.firstDate)) : `${formatDate(s(d.firstDate))} – ${formatDate(s(d.lastDate))}`;
  md.appendMarkdown(
    facts([
      ['PatientName', group ? '' : s(d.PatientName)],
      ['PatientID', s(d.PatientID)],
      ['Sex', group ? '' : s(d.PatientSex)],
      ['Age', group ? '' : s(d.PatientAge)],
      ['Birth date', group ? '' : formatDate(s(d.PatientBirthDate))],
      ['Studies', num(studies)],
      ['Series', num(n(d.series))],
      ['Images', num(n(d.images))],
      ['Study dates', dates],
    ]),
  );
  return md;
}
