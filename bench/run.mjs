#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts in its own process, one after another (they measure
// CPU, so they must not overlap), and gathers their JSON into bench-results/summary.json.
// `npm run bench -- <substring>...` runs only the matching scripts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '..', 'bench-results');
mkdirSync(results, { recursive: true });
const filters = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

const summary = {};
let failed = 0;
for (const script of scripts) {
  const name = script.replace(/\.ts$/, '');
  process.stderr.write(`[bench] ${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, script)], {
    cwd: join(here, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastJson = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !lastJson) {
    failed++;
    summary[name] = { error: `exit ${r.status}`, output: r.stdout.slice(-2000) };
    continue;
  }
  summary[name] = JSON.parse(lastJson);
  writeFileSync(join(results, `${name}.json`), `${lastJson}\n`);
}
writeFileSync(join(results, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.exit(failed ? 1 : 0);
