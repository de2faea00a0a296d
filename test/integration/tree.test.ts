/**
 * The DICOM Index tree through the extension's own API: levels, natural orders, counts in the
 * descriptions, the Problems node, stable ids, getParent and reveal.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import { computeStats } from '../../src/core/stats';
import * as fx from '../fixtures/dicomFiles';
import { description, freshWorkspace, getApi, label, unescapeMarkdown, waitFor, workspaceFolder } from './helpers';

describe('DICOM Index tree', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let seriesUid: string;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    // Three patients whose names sort differently as text and naturally.
    for (const n of [10, 2, 1]) {
      fx.writeSeries(path.join(dir, `case-${n}`), { count: 1, sliceThickness: 1, patientId: `ID-${n}`, patientName: `Case^${n}` });
    }
    // Patient ID-1 gets a second study (later date) with two series (numbers 10 and 2).
    const study = fx.newUid();
    const dates = { StudyDate: '20210305', StudyDescription: 'FOLLOW UP' };
    fx.writeSeries(path.join(dir, 'case-1', 'fu', 's10'), { count: 2, sliceThickness: 5, patientId: 'ID-1', patientName: 'Case^1', studyInstanceUid: study, seriesNumber: 10, seriesDescription: 'TEN', overrides: dates });
    const s2 = fx.writeSeries(path.join(dir, 'case-1', 'fu', 's2'), { count: 3, sliceThickness: 1.25, patientId: 'ID-1', patientName: 'Case^1', studyInstanceUid: study, seriesNumber: 2, seriesDescription: 'TWO', overrides: dates });
    seriesUid = s2.seriesInstanceUid;
    // InstanceNumbers 9 and 10 in files whose names sort first: the tree orders by InstanceNumber.
    fx.writeSeries(path.join(dir, 'case-1', 'fu', 's2'), { count: 2, firstInstanceNumber: 9, fileNamePrefix: '0-', sliceThickness: 1.25, patientId: 'ID-1', patientName: 'Case^1', studyInstanceUid: study, seriesInstanceUid: seriesUid, seriesNumber: 2, seriesDescription: 'TWO', overrides: dates });
    fx.writeNotDicom(path.join(dir, 'junk'), 'notes.dcm');
    fx.writeTruncatedCt(path.join(dir, 'junk'), { where: 'header' });
    const [r] = await api.indexAll();
    assert.ok(r.result && !r.result.cancelled, r.error);
  });

  after(() => api.setWatching(true));

  let patients: TreeElement[];
  it('the root lists Problems first, then Checks, then the patients in natural order by name, with "N studies"', async () => {
    const root = await api.tree.getChildren();
    const kinds = root.map((e) => e.kind);
    assert.deepStrictEqual(kinds.slice(0, 2), ['problems', 'checks']);
    assert.ok(kinds.slice(2).every((k) => k === 'patient'), kinds.join(', '));
    patients = root.filter((e) => e.kind === 'patient' && e.row.PatientID.startsWith('ID-'));
    assert.deepStrictEqual(patients.map((p) => label(api, p)), ['Case, 1 (ID-1)', 'Case, 2 (ID-2)', 'Case, 10 (ID-10)']);
    assert.deepStrictEqual(patients.map((p) => description(api, p)), ['2 studies', '1 study', '1 study']);
    const item = api.tree.getTreeItem(patients[0]);
    assert.strictEqual(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.strictEqual(item.contextValue, 'dicom.patient');
  });

  let study: TreeElement;
  it('studies by date with "N series"; series by SeriesNumber labelled "CT · N images · thickness", number and description after', async () => {
    const studies = await api.tree.getChildren(patients[0]);
    assert.deepStrictEqual(studies.map((s) => label(api, s)), ['2000-01-01 · CT CHEST WO CONTRAST', '2021-03-05 · FOLLOW UP']);
    assert.deepStrictEqual(studies.map((s) => description(api, s)), ['1 series', '2 series']);
    study = studies[1];
    const series = await api.tree.getChildren(study);
    assert.deepStrictEqual(series.map((s) => label(api, s)), ['CT · 5 images · 1.25 mm', 'CT · 2 images · 5 mm']);
    assert.deepStrictEqual(series.map((s) => description(api, s)), ['#2 · TWO', '#10 · TEN']);
  });

  it('instances by InstanceNumber, then name; clicking one shows its tags', async () => {
    const [series] = await api.tree.getChildren(study);
    const inst = await api.tree.getChildren(series);
    assert.deepStrictEqual(inst.map((i) => label(api, i)), ['#1 · 1-001.dcm', '#2 · 1-002.dcm', '#3 · 1-003.dcm', '#9 · 0-009.dcm', '#10 · 0-010.dcm']);
    const item = api.tree.getTreeItem(inst[0]);
    assert.strictEqual(item.command?.command, 'dicom.showTags');
    assert.strictEqual(item.contextValue, 'dicom.instance');
    assert.strictEqual(item.tooltip, undefined, 'the tooltip is built on hover (resolveTreeItem)');
  });

  it('the Problems node lists the unreadable and non-DICOM files with their reason', async () => {
    const root = await api.tree.getChildren();
    const problems = root.find((e) => e.kind === 'problems')!;
    assert.strictEqual(description(api, problems), '2 files');
    const rows = await api.tree.getChildren(problems);
    const byName = new Map(rows.map((r) => [label(api, r), description(api, r)]));
    assert.match(byName.get('notes.dcm') ?? '', /^not DICOM/);
    assert.match(byName.get('truncated-header.dcm') ?? '', /^(partial|error)/);
    const tip = await api.tree.resolveTooltip(rows[0]);
    assert.match(String(tip), /junk\//);
  });

  it('ids are stable across a re-index and parents are known (for reveal)', async () => {
    const [series] = await api.tree.getChildren(study);
    const inst = await api.tree.getChildren(series);
    fs.utimesSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'case-1', 'fu', 's2', '1-001.dcm'), new Date(), new Date(Date.now() + 5000));
    await api.indexAll();
    const again = await api.tree.getChildren((await api.tree.getChildren(study))[0]);
    assert.deepStrictEqual(again.map((e) => e.id), inst.map((e) => e.id));
    const parent = api.tree.getParent(inst[0])!;
    assert.strictEqual(parent.id, series.id);
    assert.strictEqual(api.tree.getParent(parent)!.id, study.id);
    assert.strictEqual(api.tree.getParent(study)!.id, patients[0].id);
    assert.strictEqual(api.tree.getParent(patients[0]), undefined);
  });

  it('reveal finds a series by UID and the view shows it', async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    await api.service.withDatabase(folder, () => undefined);
    // The summary panel's way in: SummaryHost.revealSeries → TreeView.reveal.
    const [series] = await api.tree.getChildren(study);
    assert.strictEqual((series.kind === 'series' && series.row.SeriesInstanceUID) || '', seriesUid);
    await api.tree.reveal(series, { select: true, focus: true, expand: true });
  });
});

describe('DICOM Index tree: totals, groups without keys, dates', function () {
  this.timeout(120_000);
  let api: DicomApi;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    fx.writeSeries(path.join(dir, 'p1'), { count: 3, sliceThickness: 1, patientId: 'K-1', patientName: 'Keyed^One' });
    fx.writeSeries(path.join(dir, 'p2'), { count: 2, sliceThickness: 2, patientId: 'K-2', patientName: 'Keyed^Two', overrides: { StudyDate: '19930430' } });
    // Files without a PatientID, in two studies, under two different names: one group, no name shown.
    fx.writeSeries(path.join(dir, 'anon', 'a'), { count: 2, sliceThickness: 1, patientId: '', patientName: 'Hidden^Alpha' });
    fx.writeSeries(path.join(dir, 'anon', 'b'), { count: 1, sliceThickness: 1, patientId: '', patientName: 'Hidden^Beta' });
    // A study whose files carry no SeriesInstanceUID.
    const study = fx.newUid();
    fx.writeSeries(path.join(dir, 'p1', 'nouid'), { count: 2, sliceThickness: 3, patientId: 'K-1', patientName: 'Keyed^One', studyInstanceUid: study, seriesNumber: 7, seriesDescription: 'FIRST FILE ONLY', overrides: { SeriesInstanceUID: '' } });
    fx.writeNotDicom(dir, 'readme.dcm');
    const [r] = await api.indexAll();
    assert.ok(r.result && !r.result.cancelled, r.error);
  });

  after(() => api.setWatching(true));

  it('the view description is the totals line, the same numbers as stats', async () => {
    const stats = await api.service.withDatabase(workspaceFolder(), (idx) => computeStats(idx));
    assert.ok(stats);
    assert.deepStrictEqual([stats.patients, stats.instances], [2, 10]);
    await waitFor('the totals line', () => api.view.description === '2 patients · 10 images');
    // A view alone in its container shows no description: the message says it too.
    assert.strictEqual(api.view.message, '2 patients · 10 images');
  });

  it('files without a PatientID are one "(no Patient ID)" node after the patients, with no name, grouping their studies', async () => {
    const root = await api.tree.getChildren();
    assert.deepStrictEqual(
      root.map((e) => label(api, e)),
      ['Problems', 'Checks', 'Keyed, One (K-1)', 'Keyed, Two (K-2)', '(no Patient ID)'],
    );
    const group = root[4];
    assert.strictEqual(description(api, group), '2 studies');
    assert.strictEqual(api.tree.getTreeItem(group).contextValue, 'dicom.noPatientId');
    const tip = unescapeMarkdown(((await api.tree.resolveTooltip(group)) as vscode.MarkdownString).value);
    assert.doesNotMatch(tip, /Hidden|Alpha|Beta|PatientName/, tip);
    assert.match(tip, /Images: 3/);
    assert.strictEqual((await api.tree.getChildren(group)).length, 2);
  });

  it('files without a SeriesInstanceUID are shown as "(no Series UID)", without one file\'s description', async () => {
    const root = await api.tree.getChildren();
    const studies = await api.tree.getChildren(root[2]);
    const rows = [];
    for (const st of studies) for (const se of await api.tree.getChildren(st)) rows.push([label(api, se), description(api, se)]);
    assert.deepStrictEqual(rows.sort(), [
      ['(no Series UID) · 2 images · 3 mm', ''],
      ['CT · 3 images · 1 mm', '1 mm step · #2 · SERIES 1MM'],
    ]);
  });

  it('DICOM dates are ISO dates', async () => {
    const root = await api.tree.getChildren();
    const [study] = await api.tree.getChildren(root[3]);
    assert.match(label(api, study), /^1993-04-30 · /);
  });
});
