#!/usr/bin/env node
// The collector as one bundled file for `npm start` and the otlp benchmarks. Through tsx every
// module is compiled at start and a loader thread stays: the bundle starts faster and idles
// about 20 MB smaller. Tests keep running the sources through tsx (packages/collector/bin/
// flowtel.mjs), so they never see a bundle. A build is skipped while the bundle is newer than
// every file that went into it.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const collectorDir = join(root, 'packages', 'collector');
const BUNDLE = join(collectorDir, 'dist', 'flowtel.mjs');
const INPUTS = `${BUNDLE}.inputs.json`;
// optional native packages, loaded with require where they are used, and tsx (its loader
// thread finds its files next to it)
const EXTERNAL = ['chdb', 'snappy', '@mongodb-js/zstd', 'lz4-napi', '*.node', 'tsx'];
/**
 * V8 settings for the collector process, in the bundle's shebang (run it as a program). Batched
 * items outlive a scavenge or two and reach the old generation, whose every full GC marks the
 * whole live heap (~20 MB, mostly code) to free them: V8 lets the old generation grow 2-4x past
 * the live data first (RSS), 50% growth made the capture pipeline run a full GC per batch
 * timeout, and 75% is where both benchmarks meet their targets. The young generation stays
 * small, but not below the working set of one capture batch (a 1 MiB semi-space promoted most
 * of it: bench/l7-e2e.ts spent 40% of its main thread in GC). No cap: memory_limiter bounds the
 * live data. Measured with bench/otlp-grpc-10k.ts (peak RSS, CPU): 91 MiB with 1 MiB and 20%,
 * 96-97 MiB and 9% with 4 MiB and 75%, 100-102 MiB with 100%, 130 MiB with V8's defaults;
 * bench/l7-e2e.ts with 4 MiB: full GCs every ~200 ms with 50% growth, and runs alternated with
 * the same code took 4-5 points of a core less with 75% or 100%.
 */
const NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=75'];
/**
 * glibc gives each thread that allocates (libuv's pool compressing, V8's GC helpers) an arena
 * of its own, and freed memory stays in it: two arenas hold ~10 MB less at peak (bench (a)).
 */
const ENVIRONMENT = ['MALLOC_ARENA_MAX=2'];

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
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  const result = await build({
    stdin: {
      contents: ENTRY,
      resolveDir: collectorDir,
      sourcefile: 'flowtel-entry.ts',
      loader: 'ts',
    },
    outfile: tmp,
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
      js: `#!/usr/bin/env -S ${ENVIRONMENT.join(' ')} node ${NODE_FLAGS.join(' ')}\nimport { createRequire as __flowtelCreateRequire } from 'node:module'; const require = __flowtelCreateRequire(import.meta.url);`,
    },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => resolve(root, p))
    .filter((p) => existsSync(p));
  inputs.push(join(root, 'package-lock.json'), fileURLToPath(import.meta.url));
  writeFileSync(INPUTS, JSON.stringify(inputs));
  chmodSync(tmp, 0o755);
  utimesSync(tmp, startedAt, startedAt);
  renameSync(tmp, BUNDLE);
  return true;
}

const built = await buildCollector();
process.stderr.write(`[build] ${built ? 'built' : 'up to date:'} ${BUNDLE}\n`);
