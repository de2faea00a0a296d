/**
 * The dataset checks in the tree, in the real VS Code: a series missing a slice gets the error icon
 * and its findings in the hover, the Checks node lists the check and the series (clicking it reveals
 * the series in the patient tree), a clean volume shows its measured step; then a folder whose
 * series are all clean gets "all N series are volumes" and no children.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import * as fx from '../fixtures/dicomFiles';
import { description, dumpTree, freshWorkspace, getApi, label, unescapeMarkdown } from './helpers';

/** A regular CT series of `count` slices 1 mm apart with the slice at `remove` taken out. */
function writeSeriesMissingSlice(dir: string, opts: fx.SeriesOptions & { remove: number }): fx.SeriesFixture {
  const s = fx.writeSeries(dir, opts);
  fs.unlinkSync(s.paths[opts.remove]);
  return { ...s, paths: s.paths.filter((_, i) => i !== opts.remove), files: s.files.filter((_, i) => i !== opts.remove) };
}

const iconOf = (api: DicomApi, el: TreeElement) => api.tree.getTreeItem(el).iconPath as vscode.ThemeIcon;
const tooltipText = async (api: DicomApi, el: TreeElement) => {
  const tip = await api.tree.resolveTooltip(el);
  return unescapeMarkdown(typeof tip === 'string' ? tip : (tip?.value ?? ''));
};

describe('DICOM Index tree: dataset checks', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let flaggedUid: string;
  let cleanUid: string;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    flaggedUid = writeSeriesMissingSlice(path.join(dir, 'gap'), { count: 12, remove: 6, sliceThickness: 1, patientId: 'CHK-1', patientName: 'Gap^Series', seriesNumber: 4, seriesDescription: 'AXIAL GAP' }).seriesInstanceUid;
    cleanUid = fx.writeSeries(path.join(dir, 'clean'), { count: 8, sliceThickness: 2.5, patientId: 'CHK-2', patientName: 'Clean^Series', seriesNumber: 2, seriesDescription: 'AXIAL CLEAN' }).seriesInstanceUid;
    const [r] = await api.indexAll();
    assert.ok(r.result && !r.result.cancelled, r.error);
  });

  after(() => api.setWatching(true));

  /** The series node of a patient (its only study's only series). */
  async function seriesOf(patientId: string): Promise<TreeElement> {
    const root = await api.tree.getChildren();
    const patient = root.find((e) => e.kind === 'patient' && e.row.PatientID === patientId);
    assert.ok(patient, `patient ${patientId} in ${root.map((e) => label(api, e)).join(', ')}`);
    const [study] = await api.tree.getChildren(patient);
    const [series] = await api.tree.getChildren(study);
    assert.strictEqual(series?.kind, 'series');
    return series;
  }

  it('the series missing a slice has the error icon, in the list error colour', async () => {
    const series = await seriesOf('CHK-1');
    const icon = iconOf(api, series);
    assert.strictEqual(icon.id, 'error');
    assert.strictEqual(icon.color?.id, 'list.errorForeground');
    // Not a volume: no step in its description.
    assert.strictEqual(description(api, series), '#4 · AXIAL GAP');
  });

  it('its hover lists the findings with their counts and details, and the measured spacing', async () => {
    const text = await tooltipText(api, await seriesOf('CHK-1'));
    assert.match(text, /Missing slices \(missing_slices\)/);
    assert.match(text, /\| Missing slices \(missing_slices\) \| error \| 1 \| 1 slice missing in 1 gap/);
    assert.match(text, /1 slice missing in 1 gap: largest step 2 mm, median 1 mm/);
    assert.match(text, /Instance number gaps \(instance_number_gaps\)/);
    assert.match(text, /Checks\*\*: 2 findings, worst error · not a volume {2}\n/);
    assert.match(text, /Measured spacing: min 1 mm · median 1 mm · max 2 mm/);
  });

  it('the clean series is a volume: the plain icon, its step in the description, "no findings" in the hover', async () => {
    const series = await seriesOf('CHK-2');
    assert.strictEqual(iconOf(api, series).id, 'layers');
    assert.strictEqual(description(api, series), '2.5 mm step · #2 · AXIAL CLEAN');
    const text = await tooltipText(api, series);
    assert.match(text, /Checks\*\*: no findings · a volume {2}\n/);
    assert.match(text, /Measured spacing: min 2\.5 mm · median 2\.5 mm · max 2\.5 mm/);
  });

  let checks: TreeElement;
  it('a Checks node at the top, before the patients: "1 of 2 series is a volume", the error icon', async () => {
    const root = await api.tree.getChildren();
    assert.deepStrictEqual(root.map((e) => e.kind), ['checks', 'patient', 'patient']);
    checks = root[0];
    assert.strictEqual(label(api, checks), 'Checks');
    assert.strictEqual(description(api, checks), '1 of 2 series is a volume');
    assert.strictEqual(iconOf(api, checks).id, 'error');
    assert.strictEqual(api.tree.getTreeItem(checks).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
  });

  it('its children are the checks that fired, worst first, with their series counts', async () => {
    const children = await api.tree.getChildren(checks);
    assert.deepStrictEqual(
      children.map((c) => `${label(api, c)} — ${description(api, c)} — ${iconOf(api, c).id}`),
      ['Missing slices — 1 series — error', 'Instance number gaps — 1 series — info'],
    );
    assert.match(String(api.tree.getTreeItem(children[0]).tooltip), /missing_slices, error\): a step between neighbouring slices .*\n1 series, 1 slice missing in all\./);
    assert.strictEqual(iconOf(api, children[0]).color?.id, 'list.errorForeground');
    assert.strictEqual(iconOf(api, children[1]).color, undefined, 'info is neutral');
  });

  it('a check opens to its series (patient ID / description / number, never the name); clicking one reveals it in the patient tree', async () => {
    const [missing] = await api.tree.getChildren(checks);
    const series = await api.tree.getChildren(missing);
    assert.deepStrictEqual(series.map((s) => label(api, s)), ['CHK-1 / AXIAL GAP / #4']);
    assert.match(description(api, series[0]), /^1 slice missing in 1 gap/);
    assert.ok(!(await dumpTree(api, checks)).some((l) => /Series, Gap|Gap\^Series/.test(l)), 'no PatientName under Checks');
    const cmd = api.tree.getTreeItem(series[0]).command;
    assert.strictEqual(cmd?.command, 'dicom.revealSeries');
    const revealed = await vscode.commands.executeCommand<string>(cmd.command, ...(cmd.arguments ?? []));
    assert.strictEqual(revealed, (await seriesOf('CHK-1')).id, 'the patient tree series node was revealed');
    assert.ok(series[0].kind === 'checkSeries' && series[0].row.SeriesInstanceUID === flaggedUid);
  });

  it('a Series UID under two studies shows the same findings on each', async () => {
    const dir = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The same clean Series UID again, in another study of patient CHK-2.
    fx.writeSeries(path.join(dir, 'clean-copy'), { count: 8, sliceThickness: 2.5, patientId: 'CHK-2', patientName: 'Clean^Series', seriesNumber: 2, seriesDescription: 'AXIAL CLEAN', seriesInstanceUid: cleanUid, fileNamePrefix: 'copy-' });
    await api.indexAll();
    const root = await api.tree.getChildren();
    const patient = root.find((e) => e.kind === 'patient' && e.row.PatientID === 'CHK-2')!;
    const studies = await api.tree.getChildren(patient);
    assert.strictEqual(studies.length, 2);
    const both = await Promise.all(studies.map(async (st) => (await api.tree.getChildren(st))[0]));
    // 16 images at 8 positions: duplicate slices on both nodes (one Series UID, one set of findings).
    for (const s of both) assert.strictEqual(iconOf(api, s).id, 'error', label(api, s));
    const tips = await Promise.all(both.map((s) => tooltipText(api, s)));
    for (const t of tips) assert.match(t, /Duplicate slices \(duplicate_slices\)/);
    const dataset = (await api.tree.getChildren(root.find((e) => e.kind === 'checks'))).find((e) => e.kind === 'datasetFinding');
    assert.ok(dataset, 'the dataset-level finding is a leaf under Checks');
    assert.strictEqual(label(api, dataset), 'Series under several studies');
    assert.strictEqual(api.tree.getTreeItem(dataset).collapsibleState, vscode.TreeItemCollapsibleState.None);
  });
});

describe('DICOM Index tree: dataset checks, every series clean', function () {
  this.timeout(120_000);
  let api: DicomApi;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    for (const n of [1, 2, 3]) fx.writeSeries(path.join(dir, `p${n}`), { count: 5, sliceThickness: 1.25, patientId: `OK-${n}` });
    const [r] = await api.indexAll();
    assert.ok(r.result && !r.result.cancelled, r.error);
  });

  after(() => api.setWatching(true));

  it('"Checks: all 3 series are volumes", the pass icon, no children', async () => {
    const root = await api.tree.getChildren();
    const checks = root.find((e) => e.kind === 'checks');
    assert.ok(checks);
    assert.strictEqual(description(api, checks), 'all 3 series are volumes');
    assert.strictEqual(iconOf(api, checks).id, 'pass');
    assert.strictEqual(api.tree.getTreeItem(checks).collapsibleState, vscode.TreeItemCollapsibleState.None);
    assert.deepStrictEqual(await api.tree.getChildren(checks), []);
    const [study] = await api.tree.getChildren(root.find((e) => e.kind === 'patient'));
    const [series] = await api.tree.getChildren(study);
    assert.match(description(api, series), /^1\.25 mm step · #2 · /);
  });
});
