// flowtel as `npm start` runs it, for the benchmarks: the bundle of scripts/build.mjs (rebuilt
// here when a source changed), run as a program so that the V8 flags of its shebang apply.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, spawnCollector, type RunningCollector } from '@flowtel/testkit';

const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build.mjs');
const BUNDLE = join(REPO_ROOT, 'packages', 'collector', 'dist', 'flowtel.mjs');

/**
 * Starts the bundle on a config file. FLOWTEL_NODE_OPTIONS reaches only the collector (e.g.
 * --import of a profiler); FLOWTEL_BUNDLE runs that bundle file as it is instead (an earlier
 * build's dist folder copied beside dist, e.g. packages/collector/dist-before/flowtel.mjs, with
 * its chunks, to alternate runs of two versions on a machine whose speed drifts).
 */
export function startBundle(configPath: string): RunningCollector {
  const bundle = process.env.FLOWTEL_BUNDLE;
  if (!bundle)
    execFileSync(process.execPath, [BUILD_SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return spawnCollector(bundle || BUNDLE, ['--config', configPath], {
    ...process.env,
    NODE_OPTIONS: process.env.FLOWTEL_NODE_OPTIONS ?? '',
  });
}

/** Starts the bundle on a config given as YAML text, written to a fresh temporary folder. */
export function startBundleOn(yaml: string, name = 'bench'): RunningCollector {
  const path = join(mkdtempSync(join(tmpdir(), `flowtel-${name}-`)), 'config.yaml');
  writeFileSync(path, yaml);
  return startBundle(path);
}
