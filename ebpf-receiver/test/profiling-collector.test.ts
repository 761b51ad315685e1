// The `profiling` receiver in a flowtel collector, as a user runs it: a profiles pipeline (behind
// the service.profilesSupport gate) into the file exporter, profiling a C program with a known
// hot function; the file's OTLP/JSON lines are read back with pdata's decoder.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { profilesFromJson, sampleTypeName, stackFrames } from '@flowtel/pdata';
import { startCollector, waitFor, waitForOutput } from '@flowtel/testkit';
import { skipUnlessCapture } from './capture-support.ts';

const fixtures = fileURLToPath(new URL('./fixtures/profiler/', import.meta.url));

test(
  'flowtel with the profiling receiver writes OTLP profiles naming the hot function',
  { timeout: 300_000 },
  async (t) => {
    if (skipUnlessCapture(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'flowtel-profiling-'));
    const binary = join(dir, 'split');
    const cc = spawnSync('cc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', binary, join(fixtures, 'split.c')], {
      encoding: 'utf8',
    });
    assert.equal(cc.status, 0, cc.stderr);
    const program = spawn(binary, [], { stdio: 'ignore' });
    const file = join(dir, 'profiles.json');
    const collector = startCollector(
      `
receivers:
  profiling:
    samples_per_second: 99
    reporter_interval: 1s
    filters:
      pids:
        allow: [${program.pid}]
exporters:
  file: {path: ${file}}
service:
  pipelines:
    profiles:
      receivers: [profiling]
      exporters: [file]
`,
      ['--feature-gates=service.profilesSupport'],
    );
    try {
      await waitForOutput(collector, 'Everything is ready');
      const named = await waitFor('a profile of the program with hot_a in it', async () => {
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        for (const line of text.split('\n').filter(Boolean)) {
          const profiles = profilesFromJson(line);
          for (const rp of profiles.resourceProfiles)
            for (const p of rp.scopeProfiles.flatMap((sp) => sp.profiles))
              for (const s of p.samples) {
                const frames = stackFrames(profiles.dictionary, s.stackIndex);
                if (frames.includes('hot_a')) return { profiles, rp, p, frames };
              }
        }
        return undefined;
      });
      const { profiles, rp, p, frames } = named;
      const attrs = Object.fromEntries(
        rp.resource.attributes.map((a) => [
          a.key,
          'stringValue' in a.value ? a.value.stringValue : 'intValue' in a.value ? a.value.intValue : undefined,
        ]),
      );
      assert.equal(attrs['process.pid'], BigInt(program.pid!));
      assert.equal(attrs['process.executable.name'], 'split');
      assert.equal(attrs['process.executable.path'], binary);
      assert.equal(sampleTypeName(profiles.dictionary, p), 'samples/count');
      assert.equal(p.period, 10_101_010n);
      assert.deepEqual(frames.slice(frames.indexOf('hot_a'), frames.indexOf('hot_a') + 3), ['hot_a', 'work', 'main']);
    } finally {
      program.kill('SIGKILL');
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
