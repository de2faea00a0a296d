// Regenerates src/core/dicom/dictionary.json from dcmjs's copy of the DICOM standard data dictionary
// (PS3.6). We take the data, not the code: the runtime reader is dicom-parser, and shipping a ~60 KB
// JSON table is far lighter than bundling dcmjs. Run after upgrading dcmjs: node scripts/gen-dictionary.mjs
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { DicomMetaDictionary } = require('dcmjs').data;
const exact = {};
const masked = [];
for (const e of Object.values(DicomMetaDictionary.dictionary)) {
  const m = /^\(([0-9A-Fa-fx]{4}),([0-9A-Fa-fx]{4})\)$/.exec(e.tag ?? '');
  if (!m || !e.name || e.version === 'PrivateTag') continue;
  const key = (m[1] + m[2]).toLowerCase();
  const vr = String(e.vr ?? 'UN').split(/\s*(?:or|\|)\s*/)[0] || 'UN';
  if (key.includes('x')) masked.push([key, e.name, vr]);
  else exact[key] = [e.name, vr];
}
const out = { source: `dcmjs ${require('dcmjs/package.json').version} DicomMetaDictionary`, exact, masked };
writeFileSync(new URL('../src/core/dicom/dictionary.json', import.meta.url), JSON.stringify(out));
console.log(`dictionary: ${Object.keys(exact).length} tags, ${masked.length} masked`);
