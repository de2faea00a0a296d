/**
 * Markup in DICOM values (an HTML tag, a script, a command link, backticks, pipes) in PatientName,
 * StudyDescription and SeriesDescription, through every place the extension shows them:
 * - the tree's hovers (patient, study, series, instance): untrusted Markdown without HTML, every
 *   value escaped (no raw `<`, no link syntax, no live `command:`), tables keep their columns;
 * - Show Tags: a plain-text document holding the values verbatim (text is inert);
 * - the summary panel: the values are sent to the webview as data, unchanged (the webview sets
 *   them as text: test/unit/webviewSafety.test.ts), and never baked into the panel's HTML.
 * (tooltip.test.ts covers the escaping function itself and the labels.)
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import type { SummaryState } from '../../src/shared/messages';
import * as fx from '../fixtures/dicomFiles';
import { freshWorkspace, getApi, unescapeMarkdown, waitFor, fileDb, withoutThumbnail } from './helpers';

const VALUES = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '[x](command:workbench.action.quit)',
  '`whoami` ``code`` ```',
  'a|b | c||d',
] as const;

/** Patient i: PatientName VALUES[i], StudyDescription VALUES[i+1], SeriesDescription VALUES[i+2]: each value in each field. */
const cases = VALUES.map((_, i) => ({
  patientId: `INJ-${i + 1}`,
  patientName: VALUES[i],
  studyDescription: VALUES[(i + 1) % VALUES.length],
  seriesDescription: VALUES[(i + 2) % VALUES.length],
}));

/** Table rows of a Markdown string: cells split on unescaped pipes. */
function tableRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
}

function assertInert(md: unknown, where: string): string {
  assert.ok(md instanceof vscode.MarkdownString, `${where}: a MarkdownString`);
  assert.ok(md.isTrusted === false || md.isTrusted === undefined, `${where}: not trusted`);
  assert.ok(!md.supportHtml, `${where}: no HTML`);
  const v = withoutThumbnail(md.value);
  assert.ok(!v.includes('<'), `${where}: no raw "<" (so no <img, no <script): ${v}`);
  assert.ok(!/<img|<script/i.test(v), `${where}: no tag`);
  assert.ok(!/\]\(/.test(v), `${where}: no link syntax "](": ${v}`);
  assert.ok(!/command:/.test(v.replace(/command\\:/g, '')), `${where}: no live "command:"`);
  assert.ok(!/(^|[^\\])`/.test(v), `${where}: no unescaped backtick: ${v}`);
  // Outside table rows no unescaped pipe at all; in table rows they only separate cells (counted by the callers).
  for (const line of v.split('\n')) if (!line.startsWith('|')) assert.ok(!/(^|[^\\])\|/.test(line), `${where}: unescaped pipe in ${line}`);
  return unescapeMarkdown(v);
}

describe('markup in DICOM values (injection)', function () {
  this.timeout(120_000);
  let api: DicomApi;
  const patients = new Map<string, TreeElement>();

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    for (const c of cases) {
      fx.writeSeries(path.join(dir, c.patientId), {
        count: 2,
        sliceThickness: 1.25,
        patientId: c.patientId,
        patientName: c.patientName,
        seriesDescription: c.seriesDescription,
        seriesNumber: 7,
        overrides: { StudyDescription: c.studyDescription },
      });
    }
    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.counts.ok, cases.length * 2);
    for (const el of await api.tree.getChildren()) if (el.kind === 'patient') patients.set(el.row.PatientID, el);
    assert.strictEqual(patients.size, cases.length);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('_dicom.summaryTest', { op: 'close' });
    api.setWatching(true);
  });

  it('the values are stored verbatim (the index is data, not markup)', async () => {
    const rows = await api.service.withDatabase(vscode.workspace.workspaceFolders![0], (idx) =>
      fileDb(idx).all<{ PatientID: string; PatientName: string; StudyDescription: string; SeriesDescription: string }>('SELECT DISTINCT PatientID, PatientName, StudyDescription, SeriesDescription FROM file_rows ORDER BY PatientID'),
    );
    assert.deepStrictEqual(
      rows,
      cases.map((c) => ({ PatientID: c.patientId, PatientName: c.patientName, StudyDescription: c.studyDescription, SeriesDescription: c.seriesDescription })),
    );
  });

  for (const c of cases) {
    it(`hovers for ${c.patientId} (PatientName ${JSON.stringify(c.patientName)}) are escaped and keep their tables`, async () => {
      const patient = patients.get(c.patientId)!;
      const p = assertInert(await api.tree.resolveTooltip(patient), 'patient');
      assert.ok(p.includes(`PatientName: ${c.patientName}`), p);

      const [study] = await api.tree.getChildren(patient);
      const st = await api.tree.resolveTooltip(study);
      const stText = assertInert(st, 'study');
      assert.ok(stText.includes(c.studyDescription), stText);
      const stRows = tableRows((st as vscode.MarkdownString).value);
      assert.deepStrictEqual(stRows[0], ['Series', 'Modality', 'Description', 'Images', 'Thickness']);
      for (const r of stRows) assert.strictEqual(r.length, 5, `study table: 5 cells in every row (pipes escaped): ${r.join(' ‖ ')}`);
      assert.deepStrictEqual(stRows.slice(2).map((r) => r.map(unescapeMarkdown)), [['7', 'CT', c.seriesDescription, '2', '1.25 mm']]);

      const [series] = await api.tree.getChildren(study);
      const se = assertInert(await api.tree.resolveTooltip(series), 'series');
      assert.ok(se.includes(c.seriesDescription), se);

      const [instance] = await api.tree.getChildren(series);
      const md = await api.tree.resolveTooltip(instance);
      assertInert(md, 'instance');
      const rows = tableRows((md as vscode.MarkdownString).value);
      assert.deepStrictEqual(rows[0], ['Keyword', 'Tag', 'VR', 'Value']);
      for (const r of rows) assert.strictEqual(r.length, 4, `instance table: 4 cells in every row (pipes escaped): ${r.join(' ‖ ')}`);
      const value = new Map(rows.slice(2).map((r) => [unescapeMarkdown(r[0]), unescapeMarkdown(r[3])]));
      assert.strictEqual(value.get('PatientName'), c.patientName);
      assert.strictEqual(value.get('StudyDescription'), c.studyDescription);
      assert.strictEqual(value.get('SeriesDescription'), c.seriesDescription);
    });
  }

  it('Show Tags is a plain-text document with the values verbatim', async () => {
    for (const c of cases) {
      const [study] = await api.tree.getChildren(patients.get(c.patientId)!);
      const [series] = await api.tree.getChildren(study);
      const [instance] = await api.tree.getChildren(series);
      const uri = await vscode.commands.executeCommand<vscode.Uri>('dicom.showTags', instance);
      assert.ok(uri, 'the command returns the document');
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      assert.ok(doc, 'the document is open');
      assert.strictEqual(doc.uri.scheme, 'dicom-tags');
      assert.strictEqual(doc.languageId, 'plaintext', 'plain text: nothing in it is rendered');
      assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'shown in an editor');
      const lines = doc.getText().split('\n');
      const valueOf = (keyword: string) => {
        const line = lines.find((l) => new RegExp(`^\\(\\w{4},\\w{4}\\) \\w\\w\\s+${keyword} `).test(l));
        assert.ok(line, `${keyword} line in:\n${doc.getText().slice(0, 2000)}`);
        return line.replace(new RegExp(`^.*? ${keyword}\\s+`), '');
      };
      assert.strictEqual(valueOf('PatientName'), c.patientName);
      assert.strictEqual(valueOf('StudyDescription'), c.studyDescription);
      assert.strictEqual(valueOf('SeriesDescription'), c.seriesDescription);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the summary panel is sent the values as data, unchanged, and its HTML holds none of them', async () => {
    await vscode.commands.executeCommand('dicom.showSummary');
    type Info = { open: boolean; state?: SummaryState; received: string[]; html?: string };
    await waitFor('the webview to post ready and get a state', async () => {
      const x = await vscode.commands.executeCommand<Info>('_dicom.summaryTest', { op: 'info' });
      return x.received.includes('ready') && x.state?.stats ? x : undefined;
    });
    const info = await vscode.commands.executeCommand<Info>('_dicom.summaryTest', { op: 'refresh' });
    const series = info.state!.series;
    assert.strictEqual(series.length, cases.length);
    for (const c of cases) {
      const row = series.find((r) => r.patientId === c.patientId);
      assert.ok(row, c.patientId);
      // Raw strings (not entity-escaped: the webview sets them with textContent / text nodes).
      assert.strictEqual(row.patient, c.patientName);
      assert.strictEqual(row.description, c.seriesDescription);
    }
    const html = info.html ?? '';
    for (const v of VALUES) assert.ok(!html.includes(v), `the panel HTML does not contain ${v}`);
    assert.ok(!/<img|onerror|alert\(/.test(html), 'no value in the HTML');
  });
});
