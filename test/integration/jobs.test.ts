/**
 * Reader threads inside the real extension host (`dicom.index.jobs`): the bundle's worker script
 * (dist/readWorker.js) starts there, the index equals a run without threads, and the host's longest
 * event-loop stall during the run is measured and logged (the benchmark measures it at LIDC scale).
 */
import * as assert from 'assert';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

const N = 1200;

describe('reader threads in the extension host (dicom.index.jobs)', function () {
  this.timeout(300_000);
  let api: DicomApi;
  const cfg = () => vscode.workspace.getConfiguration('dicom', workspaceFolder().uri);
  const setJobs = async (v: number | undefined) => {
    await cfg().update('index.jobs', v, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitFor('the setting to apply', () => cfg().get('index.jobs') === (v ?? 'auto'), 10_000);
  };
  // The extension's database object comes from its bundle (dist/extension.js): another class than the
  // tests' compiled IndexDatabase, so it is used by its shape, not checked with instanceof.
  const rows = async () =>
    api.service.withDatabase(workspaceFolder(), (idx) => (idx as unknown as { all(sql: string): unknown[] }).all('SELECT path, status, error, PatientID, SeriesInstanceUID, SOPInstanceUID, InstanceNumber, SliceThickness, ImagePositionPatient FROM file_rows ORDER BY path'));

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    for (let p = 0; p < 6; p++) fx.writeSeries(path.join(dir, `J-${p}`), { count: N / 6, sliceThickness: 1 + p / 2, patientId: `J-${p}`, rows: 8, cols: 8 });
  });

  after(async () => {
    await setJobs(undefined);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceFolder().uri, '.vscode'), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    api.setWatching(true);
  });

  it('dicom.index.jobs = 2 reads on 2 threads in the extension host, writes what one thread writes, and the host stays responsive', async () => {
    await setJobs(2);
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = Date.now();
    const [r] = await api.rebuild();
    h.disable();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.read, N);
    assert.ok(api.log.recent().some((l) => /reading on 2 reader threads/.test(l)), 'the run used the threads');
    assert.ok(api.log.recent().some((l) => /read on 2 reader threads/.test(l)));
    // For the README: how long the host's event loop waited at most during the run (not a timed test).
    console.log(`      extension host: ${N} files with dicom.index.jobs=2 in ${Date.now() - t0} ms; longest event-loop stall ${(h.max / 1e6).toFixed(0)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(0)} ms`);
    const threaded = await rows();

    await setJobs(1);
    const [one] = await api.rebuild();
    assert.ok(one.result, one.error);
    assert.strictEqual(one.result.read, N);
    assert.deepStrictEqual(await rows(), threaded);
  });
});
