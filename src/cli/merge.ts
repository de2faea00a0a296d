/** `dicom-index merge OUT.sqlite IN1.sqlite IN2.sqlite …`: shards' SQLite indexes into one new index. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeIndexes } from '../core/db/merge';
import { formatCount } from '../shared/format';
import { parse, UsageError } from './args';

export async function cmdMerge(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length < 2) throw new UsageError('merge takes the new index, then the indexes to merge into it: dicom-index merge OUT.sqlite IN1.sqlite IN2.sqlite …');
  const [out, ...inputs] = positionals;
  for (const f of inputs) {
    if (!fs.existsSync(f)) throw new UsageError(`${path.resolve(f)} does not exist`);
    if (fs.statSync(f).isDirectory()) throw new UsageError(`${path.resolve(f)} is a folder; give the index files of the shards`);
  }
  const r = await mergeIndexes(out, inputs);
  process.stdout.write((values.json ? JSON.stringify(r) : `Merged ${formatCount(r.files)} files of ${r.inputs} indexes (${formatCount(r.series)} series checked) into ${r.out} in ${(r.durationMs / 1000).toFixed(1)} s`) + '\n');
  return 0;
}
