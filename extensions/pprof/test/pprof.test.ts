// The pprof extension read by Go's own pprof tool (`go tool pprof`, Debian's golang-go): what
// flowtel serves must be a profile Go reads, naming the JS functions where this process spent
// its CPU and kept its memory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { hasCommand, testSettings, waitFor } from '@flowtel/testkit';
import { factory, type PprofExtension } from '../src/index.ts';

const noGo = !hasCommand('go') && process.env.CI !== 'true' ? 'go (Debian golang-go) is not installed' : false;
const work = mkdtempSync(join(tmpdir(), 'flowtel-pprof-'));

function goPprof(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'go',
      ['tool', 'pprof', ...args],
      { env: { ...process.env, PPROF_TMPDIR: work, HOME: work }, timeout: 120_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

async function started(config: unknown = {}): Promise<{ ext: PprofExtension; base: string }> {
  const ext = factory.createExtension(
    testSettings('pprof', 'extension', work),
    factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...(config as object) }),
  ) as PprofExtension;
  await ext.start();
  return { ext, base: `http://127.0.0.1:${ext.port}/debug/pprof` };
}

/**
 * Spends CPU in a function with a name to look for, in slices so the event loop still turns,
 * for `ms` or, given `until`, until it settles.
 */
async function burnCpuForPprofTest(ms: number, until?: Promise<unknown>): Promise<number> {
  let x = 0;
  let done = false;
  const stop = () => (done = true);
  until?.then(stop, stop);
  const end = performance.now() + ms;
  while (until ? !done : performance.now() < end) {
    const slice = performance.now() + 20;
    while (performance.now() < slice) x += Math.sqrt(x + 1);
    await new Promise((r) => setImmediate(r));
  }
  return x;
}

test('config: contrib defaults; Go-only block and mutex profiles refused unless off', () => {
  const c = factory.configSchema.parse({});
  assert.deepEqual(c, {
    endpoint: 'localhost:1777',
    block_profile_fraction: 0,
    mutex_profile_fraction: 0,
    save_to_file: '',
  });
  const r = factory.configSchema.safeParse({ block_profile_fraction: 5, mutex_profile_fraction: -1 });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0].message, /Node has no block profile, so only 0 \(off\) is accepted/);
  assert.equal(r.error!.issues.length, 1);
});

test(
  'profile?seconds=2: go tool pprof -top reads the CPU profile and names the busy function',
  { skip: noGo },
  async () => {
    const { ext, base } = await started();
    try {
      // busy for as long as go tool pprof takes to start, fetch and read the profile
      const reading = goPprof('-top', '-nodecount=30', `${base}/profile?seconds=2`);
      await burnCpuForPprofTest(0, reading);
      const top = await reading;
      assert.match(top, /Type: cpu/);
      // the time profiled: at least the 2 s asked for (more when the machine is loaded), not the default 30 s
      const duration = Number(/Duration: (\d+(?:\.\d+)?)s/.exec(top)?.[1]);
      assert.ok(duration >= 2 && duration < 30, `profiled for ${duration} s`);
      assert.match(top, /burnCpuForPprofTest/);
      // a second profile while one runs: Go's refusal
      const askedAt = Date.now();
      const first = fetch(`${base}/profile?seconds=3`);
      // the first has begun: the extension (in this process) is profiling
      await waitFor('the first profile to begin', async () => ext['cpuBusy']);
      const second = await fetch(`${base}/profile?seconds=1`);
      assert.equal(second.status, 500);
      assert.match(await second.text(), /cpu profiling already in use/);
      const firstAnswer = await first;
      assert.equal(firstAnswer.status, 200);
      // the profile's time is when it began, on the wall clock
      const began = Profile.decode(gunzipSync(Buffer.from(await firstAnswer.arrayBuffer()))).timeNanos;
      const beganMs = Number(BigInt(began) / 1_000_000n);
      assert.ok(beganMs >= askedAt && beganMs <= Date.now(), `began at ${new Date(beganMs).toISOString()}`);
    } finally {
      await ext.shutdown();
    }
  },
);

/** what the heap test keeps alive, so the sampling heap profile holds it */
const kept: unknown[] = [];
function allocateForPprofTest(): void {
  for (let i = 0; i < 200_000; i++) kept.push({ i, s: `value-${i}`, a: [i, i + 1, i + 2] });
}

test('heap: go tool pprof reads in-use space and names the allocating function', { skip: noGo }, async () => {
  const { ext, base } = await started();
  try {
    allocateForPprofTest();
    const top = await goPprof('-top', '-sample_index=inuse_space', `${base}/heap`);
    assert.match(top, /Type: inuse_space/);
    assert.match(top, /allocateForPprofTest/);
    const unit = /Showing nodes accounting for [\d.]+([kKMG]?B)/.exec(top);
    assert.ok(unit, top);
  } finally {
    await ext.shutdown();
    kept.length = 0;
  }
});

test("Go's other profiles answer 404 saying why; the index lists what is served", async () => {
  const { ext, base } = await started();
  try {
    const goroutine = await fetch(`${base}/goroutine`);
    assert.equal(goroutine.status, 404);
    assert.match(await goroutine.text(), /Node has no goroutine, block, mutex/);
    const index = await (await fetch(`${base}/`)).text();
    for (const name of ['profile', 'heap', 'cmdline']) assert.match(index, new RegExp(`href="${name}\\?debug=0"`));
    assert.equal(await (await fetch(`${base}/cmdline`)).text(), process.argv.join('\0'));
  } finally {
    await ext.shutdown();
  }
});

test('save_to_file: a CPU profile from start to shutdown, written in pprof format', { skip: noGo }, async () => {
  const { ext } = await started({ save_to_file: 'cpu.pprof' });
  await burnCpuForPprofTest(800);
  await ext.shutdown();
  const file = join(work, 'cpu.pprof');
  const decoded = Profile.decode(gunzipSync(readFileSync(file)));
  assert.ok(decoded.sample.length > 0);
  assert.match(await goPprof('-top', file), /burnCpuForPprofTest/);
});
