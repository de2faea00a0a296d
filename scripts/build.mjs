// Builds the bundles with esbuild:
//   dist/extension.js  VS Code extension (node, cjs, `vscode` external)
//   dist/cli.js        the dicom-index command-line tool (node, cjs, with a shebang)
//   dist/webview.js    the summary panel's browser code (iife)
//   dist/webview.css   its stylesheet
//   dist/sql-wasm.wasm sql.js's WebAssembly, loaded beside the bundles
// Flags: --production (minify, no source maps), --watch.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};
const nodeCommon = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

const entries = [
  { ...nodeCommon, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', 'pg-native'] },
  // pg's optional native binding (pg-native) is never used: its pure-JavaScript protocol is.
  { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: ['pg-native'] },
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
  { ...common, entryPoints: ['webview/style.css'], outfile: 'dist/webview.css' },
].filter((e) => existsSync(path.join(root, e.entryPoints[0])));

copyFileSync(path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));

if (watch) {
  for (const e of entries) (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
}
