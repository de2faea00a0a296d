// node out/tools/sample/cli.js <outDir> [--patients N] [--files N] [--size 64|512] [--seed N]
//   [--studies N] [--series N] [--slices N|MIN-MAX]
// Generates the synthetic LIDC-like sample (see lidcSample.ts) and prints a one-line
// summary (counts, bytes, time; never patient names).

import { generateLidcSample, LidcSampleOptions } from './lidcSample';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`sample: ${msg}\n`);
  process.stderr.write(
    'usage: node out/tools/sample/cli.js <outDir> [--patients N] [--files N] [--size 64|512] [--seed N]\n' +
      '         [--studies N (per patient)] [--series N (per study)] [--slices N|MIN-MAX]\n',
  );
  process.exit(2);
}

function parseIntArg(name: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v)) usage(`${name} needs a non-negative integer`);
  return Number(v);
}

export function parseArgs(argv: string[]): { outDir: string; opts: LidcSampleOptions } {
  const opts: LidcSampleOptions = {};
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const next = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--patients': opts.patients = parseIntArg(flag, next()); break;
      case '--files': opts.totalFiles = parseIntArg(flag, next()); break;
      case '--size': opts.size = parseIntArg(flag, next()); break;
      case '--seed': opts.seed = parseIntArg(flag, next()); break;
      case '--studies': opts.studiesPerPatient = parseIntArg(flag, next()); break;
      case '--series': opts.seriesPerStudy = parseIntArg(flag, next()); break;
      case '--slices': {
        const v = next() ?? '';
        const m = /^(\d+)(?:-(\d+))?$/.exec(v);
        if (!m) usage('--slices needs N or MIN-MAX');
        opts.slicesPerSeries = m[2] !== undefined ? [Number(m[1]), Number(m[2])] : Number(m[1]);
        break;
      }
      case '-h': case '--help': usage();
      // falls through (usage exits)
      default:
        if (a.startsWith('-')) usage(`unknown option ${a}`);
        if (outDir !== undefined) usage('only one output directory');
        outDir = a;
    }
  }
  if (!outDir) usage('missing output directory');
  return { outDir, opts };
}

async function main(): Promise<void> {
  const { outDir, opts } = parseArgs(process.argv.slice(2));
  const tty = process.stderr.isTTY;
  const t0 = process.hrtime.bigint();
  const r = await generateLidcSample(outDir, {
    ...opts,
    onProgress: tty ? (n) => process.stderr.write(`\r${n} files...`) : undefined,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (tty) process.stderr.write('\r\x1b[K');
  const mib = (r.bytes / 1048576).toFixed(1);
  process.stdout.write(
    `sample: ${r.files} files, ${r.patients} patients, ${r.studies} studies, ${r.series} series, ${mib} MiB ` +
      `in ${secs.toFixed(1)} s (${Math.round(r.files / Math.max(secs, 1e-9))} files/s) -> ${outDir}\n`,
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`sample: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
