#!/usr/bin/env node
// Installs code-server (VS Code's server + web workbench, from npm) into <repo>/.cache/code-server/,
// offline-friendly, so the integration tests can run in a real extension host without internet.
//
//   node scripts/setup-code-server.mjs [--force]      (npm run setup:code-server)
//
// Idempotent: skips when the wanted version is already installed (marker file .installed).
// Needs (Debian): ripgrep (for @vscode/ripgrep, whose postinstall would download from GitHub),
// libkrb5-dev (kerberos native build), a C/C++ toolchain + python3 (node-gyp), Node 20.
// See docs: code-server@4.100.3 is the last release that accepts Node 20.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, chmodSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = process.env.CODE_SERVER_VERSION || '4.100.3';
const dir = path.join(root, '.cache', 'code-server');
const marker = path.join(dir, '.installed');
const force = process.argv.includes('--force');
const t0 = Date.now();

function log(msg) {
  console.log(`[setup-code-server] ${msg}`);
}
function fail(msg) {
  console.error(`[setup-code-server] ERROR: ${msg}`);
  process.exit(1);
}
function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function isInstalled() {
  const pkg = path.join(dir, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(marker) || !existsSync(pkg)) return false;
  try {
    return (
      readFileSync(marker, 'utf8').trim() === VERSION &&
      JSON.parse(readFileSync(pkg, 'utf8')).version === VERSION &&
      existsSync(path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'))
    );
  } catch {
    return false;
  }
}

if (!force && isInstalled()) {
  log(`code-server ${VERSION} already installed in ${path.relative(root, dir)} (use --force to reinstall)`);
  process.exit(0);
}

// ---- prerequisites -------------------------------------------------------------------------------
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor !== 20 && !process.env.FORCE_NODE_VERSION) {
  fail(`code-server ${VERSION} requires Node 20 (this is Node ${process.versions.node}).`);
}
const rg = ['/usr/bin/rg', which('rg')].find((p) => p && existsSync(p));
if (!rg) fail('ripgrep `rg` not found: install the Debian package `ripgrep` (apt-get install -y ripgrep).');
const krbHeader = ['/usr/include/gssapi/gssapi.h', '/usr/include/gssapi.h'].find((p) => existsSync(p));
if (!krbHeader) fail('Kerberos headers (gssapi/gssapi.h) not found: install the Debian package `libkrb5-dev` (apt-get install -y libkrb5-dev).');
const missingTools = ['make', 'g++', 'python3'].filter((t) => !which(t));
if (missingTools.length) {
  fail(`missing build tools ${missingTools.join(', ')}: install Debian packages \`build-essential\` and \`python3\`.`);
}

// ---- read the @vscode/ripgrep version and release tag from the tarballs --------------------------
const work = mkdtempSync(path.join(os.tmpdir(), 'setup-code-server-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function npmPack(spec) {
  const out = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const info = JSON.parse(out);
  return path.join(work, (Array.isArray(info) ? info[0] : info).filename);
}
function tarRead(tgz, member) {
  return execFileSync('tar', ['-xzOf', tgz, member], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

log(`reading code-server@${VERSION} metadata`);
const csTgz = npmPack(`code-server@${VERSION}`);
const ripgrepVersions = new Set();
for (const member of ['package/npm-shrinkwrap.json', 'package/lib/vscode/npm-shrinkwrap.json', 'package/lib/vscode/extensions/npm-shrinkwrap.json']) {
  let json;
  try {
    json = JSON.parse(tarRead(csTgz, member));
  } catch {
    continue; // member absent
  }
  for (const [key, value] of Object.entries(json.packages ?? {})) {
    if (key.endsWith('node_modules/@vscode/ripgrep') && value.version) ripgrepVersions.add(value.version);
  }
}
if (ripgrepVersions.size === 0) fail(`could not find @vscode/ripgrep in code-server@${VERSION}'s shrinkwrap files`);

function ripgrepTarget() {
  const arch = process.env.npm_config_arch || os.arch();
  if (os.platform() !== 'linux') fail(`only Linux is supported by this setup (platform ${os.platform()})`);
  const targets = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };
  if (!targets[arch]) fail(`unsupported architecture ${arch}`);
  return targets[arch];
}
const target = ripgrepTarget();

for (const rgVersion of ripgrepVersions) {
  const rgTgz = npmPack(`@vscode/ripgrep@${rgVersion}`);
  const postinstall = tarRead(rgTgz, 'package/lib/postinstall.js');
  const m = /const\s+VERSION\s*=\s*['"]([^'"]+)['"]/.exec(postinstall);
  if (!m) fail(`could not read the ripgrep release tag from @vscode/ripgrep@${rgVersion}/lib/postinstall.js`);
  const tag = m[1];
  // Same location as @vscode/ripgrep's lib/download.js: path.join(os.tmpdir(), `vscode-ripgrep-cache-${version}`)
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${rgVersion}`);
  const asset = path.join(cacheDir, `ripgrep-${tag}-${target}.tar.gz`);
  mkdirSync(cacheDir, { recursive: true });
  const stage = mkdtempSync(path.join(work, 'rg-'));
  copyFileSync(rg, path.join(stage, 'rg'));
  chmodSync(path.join(stage, 'rg'), 0o755);
  execFileSync('tar', ['-czf', `${asset}.tmp`, '-C', stage, 'rg']);
  renameSync(`${asset}.tmp`, asset);
  log(`placed ${rg} as ${asset}`);
}

// ---- install ------------------------------------------------------------------------------------
rmSync(marker, { force: true });
if (force) {
  for (const f of ['node_modules', 'package-lock.json']) rmSync(path.join(dir, f), { recursive: true, force: true });
}
mkdirSync(dir, { recursive: true });
writeFileSync(
  path.join(dir, 'package.json'),
  JSON.stringify(
    {
      name: 'dicom-workspace-index-code-server',
      private: true,
      description: 'code-server for the offline integration tests (installed by scripts/setup-code-server.mjs)',
      dependencies: { 'code-server': VERSION },
    },
    null,
    2,
  ) + '\n',
);
// yes=true: node-pty's install runs `npx node-gyp`; unsafe-perm=true: code-server's postinstall refuses root without it.
writeFileSync(path.join(dir, '.npmrc'), 'yes=true\nunsafe-perm=true\naudit=false\nfund=false\nupdate-notifier=false\n');

log(`installing code-server@${VERSION} into ${path.relative(root, dir)} (takes a few minutes)`);
const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts'], {
  cwd: dir,
  stdio: 'inherit',
  env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
});
if (install.status !== 0) fail(`npm install of code-server@${VERSION} failed (exit ${install.status}); see the output above`);

const csDir = path.join(dir, 'node_modules', 'code-server');
for (const f of ['out/node/entry.js', 'lib/vscode/node_modules']) {
  if (!existsSync(path.join(csDir, f))) fail(`install looks incomplete: ${f} is missing in ${csDir}`);
}
writeFileSync(marker, VERSION + '\n');
log(`done: code-server ${VERSION} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
