#!/usr/bin/env node
// Runs the mocha integration suite inside a real VS Code extension host, offline:
// code-server (installed by `npm run setup:code-server`) + headless Debian chromium + playwright-core.
//
//   node test/integration/run.mjs [--workspace DIR] [--grep TEXT] [--in-place] [--keep] [--verbose] [--headed]
//
// Needs: dist/extension.js (`npm run build`) and the compiled tests out/test/integration/index.js (`npx tsc -p .`).
//   --workspace DIR  fixture folder; a fresh temp copy is opened (default: an empty temp folder)
//   --in-place       open --workspace DIR itself instead of a copy
//   --grep TEXT      only tests whose full title matches (passed to the host as MOCHA_GREP)
//   --keep           keep the temp dirs (server log, workspace copy) and print where they are
//   --verbose        also print the browser console and page errors
// Environment: INTEGRATION_TIMEOUT_MS (hard timeout, default 600000). The extension host sees this process's
// environment plus DICOM_TEST_WORKSPACE (the opened folder) and MOCHA_GREP.
// Prints `integration: N passed, N failed` and exits with the suite's exit code.
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, exposeAutomation, openWorkbench, isWorkbenchNoise } from '../harness/browser.mjs';

const t0 = Date.now();
const secs = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const say = (msg) => console.log(`[integration] ${msg}`);

const { values: opts } = parseArgs({
  options: {
    workspace: { type: 'string' },
    grep: { type: 'string' },
    'in-place': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    headed: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

const extensionMain = path.join(repoRoot, 'dist', 'extension.js');
const testsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
if (!existsSync(extensionMain)) {
  console.error(`[integration] ${path.relative(repoRoot, extensionMain)} is missing: run \`npm run build\` first`);
  process.exit(2);
}
if (!existsSync(testsEntry)) {
  console.error(`[integration] ${path.relative(repoRoot, testsEntry)} is missing: compile the tests with \`npx tsc -p .\` first`);
  process.exit(2);
}

const timeoutMs = Number(process.env.INTEGRATION_TIMEOUT_MS) || 10 * 60 * 1000;
const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-integration-'));
let server;
let browser;
let finished = false;

async function cleanup() {
  try {
    await browser?.close();
  } catch {
    /* ignore */
  }
  try {
    await server?.stop();
  } catch {
    /* ignore */
  }
  if (opts.keep) say(`kept ${runDir} (server log: ${path.join(runDir, 'server', 'code-server.log')})`);
  else rmSync(runDir, { recursive: true, force: true });
}

// On any exit (also Ctrl-C / SIGTERM, handled in codeServer.mjs): stop the server group, remove temp dirs.
process.on('exit', () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (!opts.keep) {
    try {
      rmSync(runDir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      /* best effort */
    }
  }
});

const hardTimer = setTimeout(async () => {
  if (finished) return;
  finished = true;
  console.error(`[integration] TIMEOUT: the suite did not finish within ${timeoutMs / 1000} s (INTEGRATION_TIMEOUT_MS); killing code-server and chromium`);
  if (server) console.error(`[integration] last server log lines:\n${server.log().split('\n').slice(-20).join('\n')}`);
  console.log('integration: TIMEOUT');
  const killer = setTimeout(() => process.exit(124), 10000);
  await cleanup();
  clearTimeout(killer);
  process.exit(124);
}, timeoutMs);

// ---- workspace -----------------------------------------------------------------------------------
let workspace;
if (opts.workspace && opts['in-place']) {
  workspace = path.resolve(opts.workspace);
} else {
  workspace = path.join(runDir, 'workspace');
  if (opts.workspace) {
    const src = path.resolve(opts.workspace);
    if (!existsSync(src) || !statSync(src).isDirectory()) {
      console.error(`[integration] --workspace ${src} is not a directory`);
      process.exit(2);
    }
    cpSync(src, workspace, { recursive: true });
  } else {
    mkdirSync(workspace, { recursive: true });
  }
}
workspace = realpathSync(workspace);

// ---- run -----------------------------------------------------------------------------------------
let result;
let exitCode;
try {
  const env = { ...process.env, DICOM_TEST_WORKSPACE: workspace };
  if (opts.grep) env.MOCHA_GREP = opts.grep;
  else delete env.MOCHA_GREP;

  let t = Date.now();
  server = await startCodeServer({ stateDir: path.join(runDir, 'server'), env });
  say(`code-server ${server.url} started in ${secs(t)}`);

  t = Date.now();
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();

  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await exposeAutomation(page, {
    onLog(type, text) {
      if (!opts.verbose && isWorkbenchNoise(text)) return;
      for (const line of text.split('\n')) {
        const m = /^__RESULT__ (\{.*\})\s*$/.exec(line);
        if (m) {
          try {
            result = JSON.parse(m[1]);
          } catch {
            /* ignore */
          }
          continue;
        }
        console.log(line);
      }
    },
    onExit(code) {
      resolveExit(code);
    },
  });
  page.on('crash', () => resolveExit(Promise.reject(new Error('the browser page crashed'))));
  page.on('pageerror', (err) => opts.verbose && console.error(`[page error] ${err.message}`));
  if (opts.verbose) page.on('console', (msg) => console.error(`[browser ${msg.type()}] ${msg.text()}`));

  await openWorkbench(page, {
    url: server.url,
    folder: workspace,
    remoteAuthority: server.remoteAuthority,
    payload: [
      ['extensionDevelopmentPath', repoRoot],
      ['extensionTestsPath', testsEntry],
      ['skipWelcome', 'true'],
    ],
  });
  say(`workbench loaded in ${secs(t)}; running tests`);
  t = Date.now();
  exitCode = await exited;
  say(`suite finished in ${secs(t)} with exit code ${exitCode} (total ${secs(t0)})`);
} catch (err) {
  console.error(`[integration] ERROR: ${err?.stack ?? err}`);
  exitCode = 1;
}

if (!finished) {
  finished = true;
  clearTimeout(hardTimer);
  await cleanup();
  if (result) {
    console.log(`integration: ${result.passed} passed, ${result.failed} failed${result.pending ? `, ${result.pending} pending` : ''}`);
    if (exitCode === 0 && result.failed > 0) exitCode = 1;
  } else {
    console.log('integration: no result reported (the tests did not run; see the output above)');
    if (exitCode === 0) exitCode = 1;
  }
  process.exit(exitCode);
}
