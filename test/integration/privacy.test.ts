/**
 * Privacy in the extension host. index.test.ts checks that `dicom.privacy.storePatientIdentity`
 * = false stores no names and hashed IDs (through SQL, after Index Workspace) and that the log has
 * no names or IDs. Here:
 * - the log of Index Workspace and Rebuild Index over files with distinctive names, IDs, birth
 *   dates, study dates, accession numbers and descriptions (good files and files cut short) holds
 *   none of them, nor do the warnings shown;
 * - with the setting false, "DICOM: Rebuild Index" writes a database FILE whose bytes hold no name,
 *   PatientID or birth date (even though the previous index on disk had them), and the tree, its
 *   hovers and the summary panel show the hashed IDs;
 * - the same after a plain Index Workspace run that follows the settings change (re-reads every file).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import type { SummaryState } from '../../src/shared/messages';
import * as fx from '../fixtures/dicomFiles';
import { dbPath, freshWorkspace, getApi, label, waitFor, workspaceFolder, fileDb } from './helpers';

const A = { PatientName: 'Zyxwvut^Qqqrrrsss', PatientID: 'PIDSECRET4242', PatientBirthDate: '19290101', StudyDate: '19310217', AccessionNumber: 'ACCSECRET77', StudyDescription: 'STUDYSECRETXYZ', SeriesDescription: 'SERDESCSECRET' };
const B = { PatientName: 'Ooooppp^Nnnnmmm', PatientID: 'PIDSECRET9898', PatientBirthDate: '19270303', StudyDate: '19330405', AccessionNumber: 'ACCSECRET88', StudyDescription: 'STUDYSECRETABC', SeriesDescription: 'SERDESCSECRET2' };
/** What must never be stored when the identity is off: names (each component), IDs, birth dates. */
const IDENTITY = [A, B].flatMap((p) => [...p.PatientName.split('^'), p.PatientID, p.PatientBirthDate]);
/** What must never be logged: all of it. */
const EVERYTHING = [A, B].flatMap((p) => Object.values(p).flatMap((v) => v.split('^')));

function hits(haystack: string | Buffer, needles: string[]): string[] {
  return needles.filter((n) => haystack.includes(n));
}

/** Every file of the index folder (the database and anything beside it), as bytes. */
function indexFolderBytes(): { file: string; bytes: Buffer }[] {
  const d = path.dirname(dbPath());
  return fs.readdirSync(d).map((f) => ({ file: f, bytes: fs.readFileSync(path.join(d, f)) }));
}

describe('privacy: the log, and the database file without patient identity', function () {
  this.timeout(120_000);
  let api: DicomApi;
  const uids: string[] = [];
  const marker = `privacy suite ${Date.now()}`;
  const logSinceMarker = () => {
    const lines = api.log.recent();
    const at = lines.lastIndexOf(`info ${marker}`);
    assert.ok(at >= 0, 'the marker is still in the kept log');
    return lines.slice(at + 1);
  };

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    for (const [p, sub] of [
      [A, 'a'],
      [B, 'b'],
    ] as const) {
      const s = fx.writeSeries(path.join(dir, sub, 'series'), {
        count: 3,
        sliceThickness: 1.25,
        patientId: p.PatientID,
        patientName: p.PatientName,
        seriesDescription: p.SeriesDescription,
        overrides: { StudyDate: p.StudyDate, AccessionNumber: p.AccessionNumber, StudyDescription: p.StudyDescription, PatientBirthDate: p.PatientBirthDate },
      });
      uids.push(s.studyInstanceUid, s.seriesInstanceUid);
      // Files cut short (inside the pixel data: the header with the identity is complete; inside
      // StudyDescription): their reasons and the Problems node must not quote values either.
      const overrides = { PatientID: p.PatientID, PatientName: p.PatientName, StudyDate: p.StudyDate, AccessionNumber: p.AccessionNumber, PatientBirthDate: p.PatientBirthDate };
      fx.writeTruncatedCt(path.join(dir, sub), { where: 'pixels', fileName: 'cut-pixels.dcm', overrides });
      fx.writeTruncatedCt(path.join(dir, sub), { where: 'header', fileName: 'cut-header.dcm', overrides });
    }
    api.log.info(marker);
  });

  after(async () => {
    const cfg = vscode.workspace.getConfiguration('dicom', workspaceFolder().uri);
    await cfg.update('privacy.storePatientIdentity', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    fs.rmSync(path.join(workspaceFolder().uri.fsPath, '.vscode'), { recursive: true, force: true });
    await vscode.commands.executeCommand('_dicom.summaryTest', { op: 'close' });
    api.setWatching(true);
  });

  it('Index Workspace with the identity stored (the default): the log quotes no value, no reason does', async () => {
    const [r] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    await api.waitIdle();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.counts.ok, 6);
    assert.strictEqual(r.result.counts.partial + r.result.counts.error, 4);
    // The identity is in the database now (what the next test must get rid of).
    const db = fs.readFileSync(dbPath());
    assert.deepStrictEqual(hits(db, [A.PatientID, 'Zyxwvut']), [A.PatientID, 'Zyxwvut'], 'sanity: stored when the setting is on');
    const log = logSinceMarker();
    assert.ok(log.some((l) => / index done in \d+ ms/.test(l)), log.join('\n'));
    assert.deepStrictEqual(hits(log.join('\n'), [...EVERYTHING, ...uids]), [], `the log:\n${log.join('\n')}`);
    assert.deepStrictEqual(hits(api.service.shownWarnings.join('\n'), EVERYTHING), []);
    const reasons = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).all<{ error: string }>('SELECT error FROM files WHERE error IS NOT NULL').map((x) => x.error).join('\n'));
    assert.ok(reasons, 'the bad files have reasons');
    assert.deepStrictEqual(hits(reasons, EVERYTHING), [], `reasons: ${reasons}`);
  });

  it('storePatientIdentity=false and "Rebuild Index": the database file holds no name, PatientID or birth date', async () => {
    const cfg = vscode.workspace.getConfiguration('dicom', workspaceFolder().uri);
    await cfg.update('privacy.storePatientIdentity', false, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitFor('the setting to apply', () => vscode.workspace.getConfiguration('dicom', workspaceFolder().uri).get('privacy.storePatientIdentity') === false, 10_000);
    const [r] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.rebuildIndex'))!;
    await api.waitIdle();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.read, 10);
    for (const { file, bytes } of indexFolderBytes()) {
      assert.deepStrictEqual(hits(bytes, IDENTITY), [], `${file} holds patient identity`);
      // SQLite stores text as UTF-8; check UTF-16 too, in case.
      assert.deepStrictEqual(IDENTITY.filter((s) => bytes.includes(Buffer.from(s, 'utf16le'))), [], `${file} holds UTF-16 identity`);
    }
    const stored = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).all<{ PatientID: string; PatientName: string | null; PatientBirthDate: string | null }>("SELECT PatientID, PatientName, PatientBirthDate FROM patient WHERE PatientID <> ''"));
    assert.strictEqual(stored?.length, 2);
    for (const p of stored!) {
      assert.match(p.PatientID, /^anon-[0-9a-f]{16}$/);
      assert.strictEqual(p.PatientName, null);
      assert.strictEqual(p.PatientBirthDate, null);
    }
    const log = logSinceMarker();
    assert.ok(log.some((l) => / rebuild done in \d+ ms/.test(l)), log.join('\n'));
    assert.deepStrictEqual(hits(log.join('\n'), [...EVERYTHING, ...uids]), []);
  });

  it('the tree, its hovers and the summary panel show hashed IDs only', async () => {
    // Two patients, shown by their hashed IDs (a file cut before its PatientID groups under "no Patient ID").
    const roots = await waitFor('the tree to show the hashed patients', async () => {
      const r = (await api.tree.getChildren()).filter((e) => e.kind === 'patient' && e.row.PatientID !== '');
      return r.length === 2 && r.every((e) => /^anon-/.test(label(api, e))) ? r : undefined;
    });
    for (const p of roots) {
      assert.match(label(api, p), /^anon-[0-9a-f]{16}$/);
      assert.strictEqual(p.kind === 'patient' && p.row.PatientName, null);
      const tip = await api.tree.resolveTooltip(p);
      const text = tip instanceof vscode.MarkdownString ? tip.value : String(tip);
      assert.deepStrictEqual(hits(text, IDENTITY), [], text);
      const [study] = await api.tree.getChildren(p);
      const stTip = await api.tree.resolveTooltip(study);
      assert.deepStrictEqual(hits(stTip instanceof vscode.MarkdownString ? stTip.value : String(stTip), IDENTITY), []);
    }
    const problems = (await api.tree.getChildren()).find((e) => e.kind === 'problems')!;
    assert.ok(problems);
    for (const el of await api.tree.getChildren(problems)) {
      const item = api.tree.getTreeItem(el);
      assert.deepStrictEqual(hits(`${String(item.label)} ${String(item.description)} ${String(await api.tree.resolveTooltip(el))}`, EVERYTHING), []);
    }
    await vscode.commands.executeCommand('dicom.showSummary');
    const state = await waitFor('the summary state', async () => {
      const x = await vscode.commands.executeCommand<{ state?: SummaryState; received: string[] }>('_dicom.summaryTest', { op: 'refresh' });
      return x.received.includes('ready') && x.state?.stats ? x.state : undefined;
    });
    assert.ok(state.series.length >= 2);
    for (const s of state.series) {
      assert.match(s.patient, /^(anon-[0-9a-f]{16})?$/);
      assert.strictEqual(s.patient, s.patientId);
    }
    assert.strictEqual(new Set(state.series.map((s) => s.patient).filter(Boolean)).size, 2);
    assert.deepStrictEqual(hits(JSON.stringify(state), IDENTITY), []);
    await vscode.commands.executeCommand('_dicom.summaryTest', { op: 'close' });
  });

  it('after the identity was stored, switching it off and running Index Workspace (no rebuild) leaves none in the file either', async () => {
    const cfg = vscode.workspace.getConfiguration('dicom', workspaceFolder().uri);
    await cfg.update('privacy.storePatientIdentity', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitFor('the setting to apply', () => vscode.workspace.getConfiguration('dicom', workspaceFolder().uri).get('privacy.storePatientIdentity') === true, 10_000);
    const [on] = await api.indexAll();
    assert.strictEqual(on.result?.read, 10, 'a settings change re-reads every file');
    assert.ok(fs.readFileSync(dbPath()).includes('Zyxwvut'), 'sanity: the names are stored again');
    await cfg.update('privacy.storePatientIdentity', false, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitFor('the setting to apply', () => vscode.workspace.getConfiguration('dicom', workspaceFolder().uri).get('privacy.storePatientIdentity') === false, 10_000);
    const [off] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    await api.waitIdle();
    assert.strictEqual(off.result?.read, 10);
    for (const { file, bytes } of indexFolderBytes()) assert.deepStrictEqual(hits(bytes, IDENTITY), [], `${file} still holds patient identity (deleted rows left in free pages?)`);
  });
});
