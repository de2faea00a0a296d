/**
 * Hover tooltips: an instance's Markdown table of tags read from the file, series/study/patient
 * summaries, and escaping: values from files (a PatientName that is an HTML tag or a command link,
 * pipes, backticks, emphasis) show as text and can run nothing.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import { escapeMarkdown } from '../../src/extension/tree/markdown';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, freshWorkspace, getApi, unescapeMarkdown, withoutThumbnail } from './helpers';

const HTML_NAME = '<img src=x onerror=alert(1)>';
const LINK_NAME = '[x](command:workbench.action.quit)';
const STUDY_DESC = 'A | B `code` **bold** <b>';
const SERIES_DESC = '_em_ [y](https://example.com) ![i](x.png)';

/** Lines of the Markdown that are table rows: cells split on unescaped pipes. */
function tableRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
}

function assertInert(md: vscode.MarkdownString, where: string): void {
  assert.ok(md.isTrusted === false || md.isTrusted === undefined, `${where}: not trusted`);
  assert.ok(!md.supportHtml, `${where}: no HTML`);
  const v = withoutThumbnail(md.value);
  assert.ok(!v.includes('<'), `${where}: no raw "<": ${v}`);
  assert.ok(!/\]\(/.test(v), `${where}: no link syntax "](": ${v}`);
  assert.ok(!/(^|[^\\])`/.test(v), `${where}: no unescaped backtick`);
  assert.ok(!/command:/.test(v.replace(/command\\:/g, '')), `${where}: no live "command:"`);
}

describe('tooltips', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let instances: TreeElement[];
  let sop: string;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    const s = fx.writeSeries(path.join(dir, 'evil-1'), {
      count: 2,
      sliceThickness: 1.25,
      patientId: 'EVIL-1',
      patientName: HTML_NAME,
      seriesDescription: SERIES_DESC,
      overrides: { StudyDescription: STUDY_DESC },
    });
    sop = String(s.files[0].expected.SOPInstanceUID);
    fx.writeSeries(path.join(dir, 'evil-2'), { count: 1, sliceThickness: 2, patientId: 'EVIL-2', patientName: LINK_NAME });
    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
    instances = await allInstances(api);
    assert.strictEqual(instances.length, 3);
  });

  after(() => api.setWatching(true));

  it('escapeMarkdown leaves no Markdown or HTML syntax', () => {
    const e = escapeMarkdown(`${HTML_NAME} ${LINK_NAME} | \` * _ # <script>&amp;\nnext`);
    assert.ok(!e.includes('<') && !e.includes('>'));
    assert.ok(!/(^|[^\\])[|`*_#[\]()]/.test(e), e);
    assert.ok(!e.includes('\n'));
    assert.strictEqual(unescapeMarkdown(e), `${HTML_NAME} ${LINK_NAME} | \` * _ # <script>&amp; next`);
  });

  it('an instance tooltip is a table of the file\'s tags (keyword, tag, VR, value), escaped', async () => {
    const el = instances.find((i) => i.kind === 'instance' && i.row.SOPInstanceUID === sop)!;
    assert.ok(el);
    const md = (await api.tree.resolveTooltip(el)) as vscode.MarkdownString;
    assert.ok(typeof md?.value === 'string', 'a MarkdownString');
    assertInert(md, 'instance');
    const rows = tableRows(md.value);
    assert.deepStrictEqual(rows[0], ['Keyword', 'Tag', 'VR', 'Value']);
    for (const r of rows) assert.strictEqual(r.length, 4, `4 cells in every row (pipes escaped): ${r.join(' ‖ ')}`);
    const byKeyword = new Map(rows.slice(2).map((r) => [unescapeMarkdown(r[0]), r.map(unescapeMarkdown)]));
    assert.deepStrictEqual(byKeyword.get('SOPInstanceUID'), ['SOPInstanceUID', '(0008,0018)', 'UI', sop]);
    assert.deepStrictEqual(byKeyword.get('PatientName')?.[3], HTML_NAME);
    assert.deepStrictEqual(byKeyword.get('StudyDescription')?.[3], STUDY_DESC);
    assert.deepStrictEqual(byKeyword.get('SeriesDescription')?.[3], SERIES_DESC);
    assert.match(byKeyword.get('PixelData')?.[3] ?? '', /^pixel data, \d+ bytes$/);
  });

  it('the command-link PatientName is text too', async () => {
    const el = instances.find((i) => i.kind === 'instance' && i.row.path.startsWith('evil-2/'))!;
    const md = (await api.tree.resolveTooltip(el)) as vscode.MarkdownString;
    assertInert(md, 'instance 2');
    assert.ok(unescapeMarkdown(md.value).includes(LINK_NAME));
  });

  it('series, study and patient tooltips summarise, escaped', async () => {
    const series = api.tree.getParent(instances.find((i) => i.kind === 'instance' && i.row.path.startsWith('evil-1/'))!)!;
    const study = api.tree.getParent(series)!;
    const patient = api.tree.getParent(study)!;
    const s = (await api.tree.resolveTooltip(series)) as vscode.MarkdownString;
    assertInert(s, 'series');
    const st = unescapeMarkdown(s.value);
    assert.match(st, /Images: 2/);
    assert.match(st, /Slice thickness: 1\.25 mm/);
    assert.match(st, /Spacing between slices: 1\.25 mm/);
    assert.ok(st.includes(SERIES_DESC));
    const t = (await api.tree.resolveTooltip(study)) as vscode.MarkdownString;
    assertInert(t, 'study');
    assert.ok(unescapeMarkdown(t.value).includes(STUDY_DESC));
    assert.match(unescapeMarkdown(t.value), /Study date: 2000-01-01/);
    const p = (await api.tree.resolveTooltip(patient)) as vscode.MarkdownString;
    assertInert(p, 'patient');
    assert.ok(unescapeMarkdown(p.value).includes(HTML_NAME));
  });

  it('tree labels are plain text: the name is shown as it is', async () => {
    const root = await api.tree.getChildren();
    const labels = root.map((e) => String(api.tree.getTreeItem(e).label));
    assert.ok(labels.includes(`${LINK_NAME} (EVIL-2)`), labels.join('\n'));
    // PN's "=" separates component groups: the label shows the first (alphabetic) group.
    assert.ok(labels.includes('<img src (EVIL-1)'), labels.join('\n'));
  });
});
