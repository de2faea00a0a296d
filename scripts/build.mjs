// Builds the bundles with esbuild:
//   dist/extension.js  VS Code extension (node, cjs, `vscode` external)
//   dist/cli.js        the dicom-index command-line tool (node, cjs, with a shebang)
//   dist/readWorker.js the reader threads' entry (--jobs N, dicom.index.jobs), loaded by both bundles
//   dist/indexThreadMain.js the extension's index runs, on a thread of their own (src/core/run/indexThread.ts)
//   dist/webview.js    the summary panel's browser code (iife)
//   dist/webview.css   its stylesheet
//   dist/viewer.js     the image viewer's browser code (iife), dist/viewer.css its stylesheet
//   dist/sql-wasm.wasm sql.js's WebAssembly, loaded beside the bundles
//   dist/codecs/*.wasm the pixel codecs' WebAssembly (decoders only), read on a codec's first use
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
// The 12-bit JPEG decoder is a file of @cornerstonejs/dicom-image-loader its package exports do not
// list: resolved here by path (src/core/pixels/codecs.ts requires it by this name).
const jpeg12Plugin = {
  name: 'jpeg12',
  setup(build) {
    build.onResolve({ filter: /^@cornerstonejs\/dicom-image-loader\/dist\/esm\/codecs\/jpeg\.js$/ }, () => ({
      path: path.join(path.dirname(require.resolve('@cornerstonejs/dicom-image-loader/package.json')), 'dist/esm/codecs/jpeg.js'),
    }));
  },
};
const nodeCommon = { ...common, platform: 'node', target: 'node20', format: 'cjs', plugins: [jpeg12Plugin] };

const entries = [
  { ...nodeCommon, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', 'pg-native'] },
  // pg's optional native binding (pg-native) is never used: its pure-JavaScript protocol is.
  { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: ['pg-native'] },
  // The reader threads (src/core/read/workerReader.ts) load it beside the bundle that starts them.
  { ...nodeCommon, entryPoints: ['src/core/read/readWorker.ts'], outfile: 'dist/readWorker.js' },
  // The extension host's index runs: sql.js, its saves and the writes off the host's event loop.
  { ...nodeCommon, entryPoints: ['src/core/run/indexThreadMain.ts'], outfile: 'dist/indexThreadMain.js', external: ['pg-native'] },
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
  { ...common, entryPoints: ['webview/style.css'], outfile: 'dist/webview.css' },
  // The image viewer (series viewer and .dcm editor): its own bundle and stylesheet.
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/viewer/main.ts'], outfile: 'dist/viewer.js' },
  { ...common, entryPoints: ['webview/viewer/viewer.css'], outfile: 'dist/viewer.css' },
].filter((e) => existsSync(path.join(root, e.entryPoints[0])));

copyFileSync(path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));
mkdirSync(path.join(dist, 'codecs'), { recursive: true });
for (const [pkg, file] of [
  ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm', 'libjpegturbowasm_decode.wasm'],
  ['@cornerstonejs/codec-charls/decodewasm', 'charlswasm_decode.wasm'],
  ['@cornerstonejs/codec-openjpeg/decodewasm', 'openjpegwasm_decode.wasm'],
  ['@cornerstonejs/codec-openjph/wasm', 'openjphjs.wasm'],
]) {
  copyFileSync(require.resolve(pkg), path.join(dist, 'codecs', file));
}

if (watch) {
  for (const e of entries) (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
}
