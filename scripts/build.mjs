#!/usr/bin/env node
// The collector bundled for `npm start` and the otlp benchmarks: packages/collector/dist/
// flowtel.mjs and, beside it, the chunks that its dynamic imports load (a component's package,
// an OTLP exporter of the collector's own telemetry), read only when a config names them: the
// relay config idles at 70 MiB RSS instead of 85 with everything in one file. Through tsx every
// module is compiled at start and a loader thread stays: the bundle starts faster and idles
// about 20 MB smaller. Tests keep running the sources through tsx (packages/collector/bin/
// flowtel.mjs), so they never see a bundle. A build is skipped while the bundle is newer than
// every file that went into it. To keep a build (FLOWTEL_BUNDLE in bench/), copy the dist
// folder beside it (packages/collector/dist-before/): chunks and relative paths then resolve.
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const collectorDir = join(root, 'packages', 'collector');
const BUNDLE = join(collectorDir, 'dist', 'flowtel.mjs');
const INPUTS = `${BUNDLE}.inputs.json`;
/** the chunks of code a dynamic import() loads, written beside the entry (chunkNames below) */
const CHUNK = /^[\w-]+-[A-Z0-9]{8}\.mjs$/;
// optional native packages, loaded with require where they are used, and tsx (its loader
// thread finds its files next to it)
const EXTERNAL = ['chdb', 'snappy', '@mongodb-js/zstd', 'lz4-napi', '*.node', 'tsx'];
// The runtime settings (V8 flags, MALLOC_ARENA_MAX) are the first line of the bin script that
// `npx flowtel` runs; the bundle starts with the same line, so both run the same way.
const BIN = join(collectorDir, 'bin', 'flowtel.mjs');
const SHEBANG = readFileSync(BIN, 'utf8').split('\n', 1)[0];

// A plugin imports @flowtel/core and @flowtel/pdata from their sources, and may be TypeScript:
// with plugins the bundle runs the sources through tsx, as bin/flowtel.mjs does, so that the
// plugin and the collector share one copy of each package (instanceof ConsumerError holds).
const ENTRY = `
const withPlugins = Boolean(process.env.FLOWTEL_PLUGINS) || process.argv.some((a) => a === '--plugin' || a.startsWith('--plugin='));
let main;
if (withPlugins) {
  (await import('tsx/esm/api')).register();
  const sources = new URL('../src/main.ts', import.meta.url).href;
  ({ main } = await import(sources));
} else {
  ({ main } = await import('./src/main.ts'));
}
process.exitCode = await main(process.argv);
`;

/** Whether the bundle exists and no file it was built from changed since. */
function bundleIsFresh() {
  if (!existsSync(BUNDLE) || !existsSync(INPUTS)) return false;
  const builtAt = statSync(BUNDLE).mtimeMs;
  const inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  return inputs.every((path) => existsSync(path) && statSync(path).mtimeMs <= builtAt);
}

/** Builds the bundle unless it is fresh; returns whether it built. */
async function buildCollector() {
  if (bundleIsFresh()) return false;
  const { build } = await import('esbuild');
  // an edit made while the build reads the sources must make the next check fail
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  const tmp = join(collectorDir, 'dist', `.build-${process.pid}`);
  const result = await build({
    stdin: {
      contents: ENTRY,
      resolveDir: collectorDir,
      sourcefile: 'flowtel-entry.ts',
      loader: 'ts',
    },
    outdir: tmp,
    entryNames: 'flowtel',
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    metafile: true,
    // the source stays in memory for lazy compilation: no whitespace, names kept for stack traces
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    // bundled CommonJS dependencies call require
    banner: {
      js: `${SHEBANG}\nimport { createRequire as __flowtelCreateRequire } from 'node:module'; const require = __flowtelCreateRequire(import.meta.url);`,
    },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => resolve(root, p))
    .filter((p) => existsSync(p));
  inputs.push(join(root, 'package-lock.json'), BIN, fileURLToPath(import.meta.url));
  writeFileSync(INPUTS, JSON.stringify(inputs));
  // chunks first (a content hash names each, so one of the same name is the same file), the
  // entry last: a bundle started meanwhile finds either the old or the new one whole
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  for (const name of outputs) if (name !== basename(BUNDLE)) renameSync(join(tmp, name), join(dirname(BUNDLE), name));
  const entry = join(tmp, basename(BUNDLE));
  chmodSync(entry, 0o755);
  utimesSync(entry, startedAt, startedAt);
  renameSync(entry, BUNDLE);
  rmSync(tmp, { recursive: true });
  for (const name of readdirSync(dirname(BUNDLE)))
    if (CHUNK.test(name) && !outputs.includes(name)) rmSync(join(dirname(BUNDLE), name));
  return true;
}

const built = await buildCollector();
process.stderr.write(`[build] ${built ? 'built' : 'up to date:'} ${BUNDLE}\n`);
