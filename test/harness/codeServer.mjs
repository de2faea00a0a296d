// Starts a throw-away code-server (VS Code 1.100 server + web workbench) for tests, offline.
// Installed by `npm run setup:code-server` into <repo>/.cache/code-server/.
//
//   const server = await startCodeServer({ stateDir, settings, env });
//   ... server.url (http://127.0.0.1:PORT/), server.port, server.remoteAuthority ...
//   await server.stop();
//
// The extension host is a child of the server, so it sees the server's environment: pass what the tests
// need through `env` (default: this process's environment).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const codeServerDir = path.join(repoRoot, '.cache', 'code-server', 'node_modules', 'code-server');
export const codeServerEntry = path.join(codeServerDir, 'out', 'node', 'entry.js');

/** Settings that keep a test workbench quiet and offline. Callers' settings override them. */
export const defaultSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'npm.autoDetect': 'off',
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  'files.watcherExclude': { '**/node_modules/**': true },
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
};

export function assertInstalled() {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${path.relative(repoRoot, codeServerEntry)} missing): run \`npm run setup:code-server\` first`);
  }
}

function stateDirs(stateDir) {
  const d = {
    root: stateDir,
    userData: path.join(stateDir, 'user-data'),
    extensions: path.join(stateDir, 'extensions'),
    xdgConfig: path.join(stateDir, 'xdg-config'),
    xdgData: path.join(stateDir, 'xdg-data'),
    xdgCache: path.join(stateDir, 'xdg-cache'),
  };
  for (const p of Object.values(d)) mkdirSync(p, { recursive: true });
  return d;
}

function serverEnv(dirs, env) {
  const e = { ...(env ?? process.env) };
  // Do not let an outer VS Code / code-server session leak into this one.
  for (const k of Object.keys(e)) {
    if (/^(VSCODE_IPC_HOOK|VSCODE_GIT_|VSCODE_PROXY_URI|CODE_SERVER_|ELECTRON_RUN_AS_NODE$|PASSWORD$|HASHED_PASSWORD$|PORT$)/.test(k)) delete e[k];
  }
  return {
    ...e,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
  };
}

function commonArgs(dirs) {
  return ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

export function writeUserSettings(stateDir, settings = {}) {
  const dirs = stateDirs(stateDir);
  const text = JSON.stringify({ ...defaultSettings, ...settings }, null, 2) + '\n';
  for (const sub of ['User', 'Machine']) {
    mkdirSync(path.join(dirs.userData, sub), { recursive: true });
    writeFileSync(path.join(dirs.userData, sub, 'settings.json'), text);
  }
}

// ---- process-group bookkeeping: never leave a server behind ----------------------------------------
const live = new Set();
let hooksInstalled = false;
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      for (const pid of live) killGroup(pid, 'SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
    });
  }
}

/**
 * Fetches the workbench page once and returns the remoteAuthority from its
 * `vscode-workbench-web-configuration` meta tag (e.g. "127.0.0.1:38123").
 */
export async function readRemoteAuthority(url) {
  const res = await fetch(url, { redirect: 'follow' });
  const html = await res.text();
  return parseRemoteAuthority(html);
}
export function parseRemoteAuthority(html) {
  const m = /<meta[^>]*id="vscode-workbench-web-configuration"[^>]*data-settings="([^"]*)"/.exec(html);
  if (!m) return undefined;
  const json = m[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  try {
    return JSON.parse(json).remoteAuthority;
  } catch {
    return undefined;
  }
}

/**
 * @param {{ stateDir?: string, extraArgs?: string[], settings?: object, env?: NodeJS.ProcessEnv,
 *           startTimeoutMs?: number, logFile?: string, echo?: boolean }} [opts]
 * @returns {Promise<{ url: string, port: number, remoteAuthority?: string, stateDir: string, pid: number,
 *                     logFile: string, log: () => string, stop: () => Promise<void> }>}
 */
export async function startCodeServer(opts = {}) {
  assertInstalled();
  installExitHooks();
  const ownStateDir = !opts.stateDir; // a temp dir we create is removed again by stop()
  const stateDir = opts.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'dwi-code-server-'));
  const dirs = stateDirs(stateDir);
  writeUserSettings(stateDir, opts.settings);
  const logFile = opts.logFile ?? path.join(stateDir, 'code-server.log');
  const logStream = createWriteStream(logFile);
  let logText = '';

  const args = [
    codeServerEntry,
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    ...commonArgs(dirs),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: stateDir,
    env: serverEnv(dirs, opts.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child.pid);

  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      live.delete(child.pid);
      resolve({ code, signal });
    });
  });

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`code-server did not report its port within ${(opts.startTimeoutMs ?? 60000) / 1000} s; log:\n${logText}`));
    }, opts.startTimeoutMs ?? 60000);
    const onData = (buf) => {
      const s = buf.toString();
      logText += s;
      logStream.write(s);
      if (opts.echo) process.stderr.write(s);
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(logText);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited early (code ${code}, signal ${signal}); log:\n${logText}`));
    });
  }).catch((err) => {
    killGroup(child.pid, 'SIGKILL');
    throw err;
  });

  const url = `http://127.0.0.1:${port}/`;
  let remoteAuthority;
  try {
    remoteAuthority = await readRemoteAuthority(url);
  } catch {
    /* optional */
  }

  async function stop() {
    if (!exited) {
      killGroup(child.pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(t);
    }
    // The extension host and other children share the group; make sure none survive.
    killGroup(child.pid, 'SIGKILL');
    live.delete(child.pid);
    logStream.end();
    if (ownStateDir) rmSync(stateDir, { recursive: true, force: true, maxRetries: 2 });
  }

  return { url, port, remoteAuthority, stateDir, pid: child.pid, logFile, log: () => logText, stop };
}

/**
 * Installs a packaged extension (.vsix) into stateDir's extensions dir, for a later startCodeServer({ stateDir }).
 */
export function installExtension(vsixPath, stateDir, { env } = {}) {
  assertInstalled();
  const dirs = stateDirs(stateDir);
  const r = spawnSync(process.execPath, [codeServerEntry, ...commonArgs(dirs), '--install-extension', path.resolve(vsixPath), '--force'], {
    cwd: stateDir,
    env: serverEnv(dirs, env),
    encoding: 'utf8',
    timeout: 120000,
  });
  if (r.status !== 0) {
    throw new Error(`installing ${vsixPath} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}
