// The profiler on real programs, as root: a C program with a known split of its CPU between two
// functions, one blocking in a known function, Node.js with --perf-basic-prof, nginx under load.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flowtel/testkit';
import { ProfilerSession, type ProfilerSessionOptions } from '../src/profiling/session.ts';
import type { ProfileReport, StackSample } from '../src/profiling/report.ts';
import { skipUnlessCapture } from './capture-support.ts';
import { startNginx } from './servers.ts';

const fixtures = fileURLToPath(new URL('./fixtures/profiler/', import.meta.url));
let dir: string;
const children: ChildProcess[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowtel-profiler-'));
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function compile(name: string): string {
  const out = join(dir, name);
  // -O0: every function sets up its frame (at -O1 gcc leaves leaf functions without one, so the
  // caller of a sampled leaf is lost: hot_a <- main, work missing)
  const r = spawnSync('cc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', out, join(fixtures, `${name}.c`)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

function run(command: string, args: string[] = []): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** A session whose samples accumulate in `samples` until stop. */
function profile(options: Partial<ProfilerSessionOptions>) {
  const samples: StackSample[] = [];
  const errors: unknown[] = [];
  const session = new ProfilerSession(
    {
      samplesPerSecond: 99,
      reportIntervalMs: 500,
      sendIdle: false,
      offCpuThreshold: 0,
      offCpuMinNs: 1_000_000,
      ...options,
    },
    (report: ProfileReport) => samples.push(...report.samples),
    (err) => errors.push(err),
  );
  return { session, samples, errors };
}

const total = (samples: StackSample[], pick: (s: StackSample) => boolean) =>
  samples.filter(pick).reduce((n, s) => n + s.count, 0);
const leafUser = (s: StackSample) => s.frames.find((f) => f.mapping !== '[kernel]');
const names = (s: StackSample) => s.frames.map((f) => f.name ?? `${f.mapping}+0x${f.fileOffset.toString(16)}`);

describe('profiler on real programs', { timeout: 900_000 }, () => {
  test("on-CPU: the profile shows a C program's known 75/25 split and its frame-pointer stack", async (t) => {
    if (skipUnlessCapture(t)) return;
    const child = run(compile('split'));
    const { session, samples, errors } = profile({ pidAllow: [child.pid!] });
    try {
      // 800 samples: the split's standard error is 1.5 points
      // the program's CPU time comes slowly on a loaded machine: 800 samples are 8 s of its CPU
      await waitFor(
        '800 on-CPU samples of the program',
        async () => total(samples, () => true) >= 800 || undefined,
        300_000,
      );
    } finally {
      await session.stop();
      child.kill('SIGKILL');
    }
    assert.deepEqual(errors, []);
    assert.ok(samples.every((s) => s.pid === child.pid && s.kind === 'on_cpu' && s.comm === 'split'));
    const all = total(samples, () => true);
    const a = total(samples, (s) => leafUser(s)?.name === 'hot_a');
    const b = total(samples, (s) => leafUser(s)?.name === 'hot_b');
    const share = (100 * a) / (a + b);
    t.diagnostic(`hot_a ${a}, hot_b ${b} of ${all} samples: ${share.toFixed(1)}% / ${(100 - share).toFixed(1)}%`);
    // the rest: the kernel's timer interrupt path while the sample was taken, main and work
    assert.ok(a + b >= 0.9 * all, `${a + b} of ${all} samples in hot_a or hot_b`);
    assert.ok(Math.abs(share - 75) <= 5, `hot_a holds ${share.toFixed(1)}% of the samples, 75% expected`);
    // the stack most of hot_a's samples have (a sample at hot_a's first instruction, before its
    // frame is set up, misses work)
    const top = samples.filter((s) => leafUser(s)?.name === 'hot_a').sort((x, y) => y.count - x.count)[0];
    const stack = names(top);
    const user = stack.slice(stack.indexOf('hot_a'));
    assert.deepEqual(user.slice(0, 3), ['hot_a', 'work', 'main'], `stack: ${stack.join(' <- ')}`);
  });

  test('off-CPU: time blocked in a known function is attributed to it, with the kernel path', async (t) => {
    if (skipUnlessCapture(t)) return;
    const child = run(compile('block'));
    const { session, samples, errors } = profile({ pidAllow: [child.pid!], offCpuThreshold: 1 });
    const started = process.hrtime.bigint();
    try {
      await waitFor('2 s of off-CPU time of the program', async () =>
        total(samples, (s) => s.kind === 'off_cpu' && s.count > 0) > 0 &&
        samples.filter((s) => s.kind === 'off_cpu').reduce((n, s) => n + s.totalNs, 0n) >= 2_000_000_000n
          ? true
          : undefined,
      );
    } finally {
      await session.stop();
      child.kill('SIGKILL');
    }
    const elapsed = process.hrtime.bigint() - started;
    assert.deepEqual(errors, []);
    const off = samples.filter((s) => s.kind === 'off_cpu');
    const offNs = off.reduce((n, s) => n + s.totalNs, 0n);
    const inBlock = off.filter((s) => leafUser(s)?.name === 'block_here').reduce((n, s) => n + s.totalNs, 0n);
    t.diagnostic(
      `off-CPU ${offNs / 1_000_000n} ms in ${elapsed / 1_000_000n} ms, ${inBlock / 1_000_000n} ms in block_here`,
    );
    // the single thread sleeps nearly all the time: off-CPU time cannot exceed the time elapsed
    assert.ok(offNs <= elapsed, `${offNs} ns off-CPU in ${elapsed} ns`);
    assert.ok(Number(inBlock) >= 0.95 * Number(offNs), `${inBlock} of ${offNs} ns attributed to block_here`);
    const stack = names(off.find((s) => leafUser(s)?.name === 'block_here')!);
    assert.ok(stack.includes('main'), `stack: ${stack.join(' <- ')}`);
    assert.ok(
      stack.some((n) => /nanosleep/.test(n)) && stack.includes('schedule'),
      `kernel path of the sleep in: ${stack.join(' <- ')}`,
    );
    // 20 ms sleeps: each interval is about 20 ms (a loaded machine wakes it later, never earlier)
    const intervals = off.reduce((n, s) => n + s.count, 0);
    assert.ok(Number(offNs) / intervals >= 19_000_000, `mean interval ${Number(offNs) / intervals} ns`);
  });

  test('Node.js with --perf-basic-prof: the hot JavaScript function appears by name', async (t) => {
    if (skipUnlessCapture(t)) return;
    const child = run(process.execPath, ['--perf-basic-prof', join(fixtures, 'hot.js')]);
    const { session, samples, errors } = profile({ pidAllow: [child.pid!] });
    const isHot = (s: StackSample) =>
      s.frames.some((f) => f.mapping === '[jit]' && /hotLoopForProfiler/.test(f.name ?? ''));
    try {
      await waitFor('50 samples in hotLoopForProfiler', async () => total(samples, isHot) >= 50 || undefined);
    } finally {
      await session.stop();
      child.kill('SIGKILL');
      rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
    }
    assert.deepEqual(errors, []);
    const all = total(samples, () => true);
    const hot = total(samples, isHot);
    t.diagnostic(`${hot} of ${all} samples in hotLoopForProfiler; e.g. ${names(samples.find(isHot)!).join(' <- ')}`);
    assert.ok(hot >= 0.5 * all, `${hot} of ${all} samples in the hot function`);
  });

  test('nginx under load: kernel frames of the network stack appear', async (t) => {
    if (skipUnlessCapture(t)) return;
    const nginx = await startNginx({ 'index.html': 'x'.repeat(2048) }, { workers: 1 });
    const { session, samples, errors } = profile({ pidAllow: nginx.servingPids });
    const load = run('wrk', ['-t1', '-c8', '-d120s', `http://127.0.0.1:${nginx.port}/index.html`]);
    const network = (s: StackSample) =>
      s.frames.some((f) => f.mapping === '[kernel]' && /^(tcp_|ip_|__dev_queue_xmit|inet_)/.test(f.name ?? ''));
    try {
      await waitFor('30 nginx samples in the network stack', async () => total(samples, network) >= 30 || undefined);
    } finally {
      load.kill('SIGKILL');
      await session.stop();
      await nginx.stop();
    }
    assert.deepEqual(errors, []);
    const example = names(samples.find(network)!);
    t.diagnostic(
      `${total(samples, network)} of ${total(samples, () => true)} samples in the network stack; e.g. ${example.join(' <- ')}`,
    );
    assert.ok(
      example.some((n) => /^(epoll_wait|ngx_|writev|sendfile|__libc|write|main)/.test(n)) || example.length > 5,
    );
    assert.ok(samples.every((s) => s.comm === 'nginx'));
  });
});
