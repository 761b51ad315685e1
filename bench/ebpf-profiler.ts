// What continuous profiling costs (issue 21, item 4): the profiler session the `profiling`
// receiver runs (the addon's sampler and aggregation, the JS symbolizer, the conversion of each
// report into OTLP profiles and their protobuf encoding) profiling every process
// of this machine, in this process, for PROFILER_BENCH_SECONDS (default 60) per phase:
// (a) on-CPU at the default 20 samples/s per CPU; (b) the same plus off-CPU (every switch-out
// recorded, intervals of 1 ms and more reported; PROFILER_BENCH_OFF_CPU=0 skips it). Figures: this process's CPU as a share of one
// core, peak RSS, samples and distinct stacks per second, and the kernel's own cost per program
// run from BPF stats (kernel.bpf_stats_enabled on while it runs: run_time_ns / run_cnt of each program).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, selfUsage, usageFigures } from './lib/report.ts';
import { encodeProfiles } from '@flowtel/pdata';
import { ProfilerSession, reportToProfiles, type ProfilerSessionOptions } from '@flowtel/ebpf-receiver';

const here = fileURLToPath(new URL('.', import.meta.url));
const addon = join(here, '..', 'ebpf-receiver', 'build', 'Release', 'flowtel_ebpf.node');
const SECONDS = Number(process.env.PROFILER_BENCH_SECONDS ?? 60);
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

interface RunStats {
  runs: number;
  runTimeNs: number;
}

async function waitForReport(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 100));
}

function contextSwitches(): number {
  return Number(/^ctxt (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0);
}

async function phase(name: string, options: Partial<ProfilerSessionOptions>) {
  let samples = 0;
  let records = 0;
  let reports = 0;
  let encodedBytes = 0;
  const errors: unknown[] = [];
  const session = new ProfilerSession(
    {
      samplesPerSecond: 20,
      reportIntervalMs: 5000,
      sendIdle: false,
      offCpuThreshold: 0,
      offCpuMinNs: 1_000_000,
      ...options,
    },
    (r) => {
      reports++;
      records += r.samples.length;
      for (const s of r.samples) samples += s.count;
      // what the receiver and an OTLP exporter do with each report
      encodedBytes += encodeProfiles(reportToProfiles(r, 20, () => ({})).profiles).length;
    },
    (err) => errors.push(err),
  );
  // measured from the first report on: loading the programs and reading each ELF file once are
  // start-up costs, not the steady state
  await waitForReport(() => reports > 0);
  const before = selfUsage();
  const kernelBefore = session.stats();
  const switches = contextSwitches();
  const started = Date.now();
  samples = 0;
  records = 0;
  reports = 0;
  encodedBytes = 0;
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const kernelAfter = session.stats();
  const switchesPerSecond = (contextSwitches() - switches) / ((Date.now() - started) / 1000);
  await session.stop();
  const seconds = (Date.now() - started) / 1000;
  const perRun = (x?: RunStats, y?: RunStats) => {
    if (!x || !y || y.runs === x.runs) return undefined;
    const runs = y.runs - x.runs;
    const ns = y.runTimeNs - x.runTimeNs;
    return {
      runs_per_second: Math.round(runs / seconds),
      ns_per_run: Math.round(ns / runs),
      percent_of_one_core: Math.round((ns / seconds / 1e7) * 1000) / 1000,
    };
  };
  return {
    phase: name,
    seconds: Math.round(seconds),
    ...usageFigures(before, selfUsage(), seconds),
    samples_per_second: Math.round((samples / seconds) * 10) / 10,
    distinct_stacks_per_report: Math.round(records / Math.max(1, reports)),
    otlp_bytes_per_report: Math.round(encodedBytes / Math.max(1, reports)),
    lost: session.stats().lost,
    errors: errors.length,
    symbolizer: session.symbolizer.stats,
    context_switches_per_second: Math.round(switchesPerSecond),
    kernel_on_cpu: perRun(kernelBefore.onCpu, kernelAfter.onCpu),
    kernel_on_switch: perRun(kernelBefore.onSwitch, kernelAfter.onSwitch),
  };
}

async function main() {
  if (process.getuid?.() !== 0) return report('ebpf-profiler', { skipped: 'needs root' });
  if (!existsSync(addon)) return report('ebpf-profiler', { skipped: 'the addon is not built' });
  const statsWere = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  try {
    const phases = [await phase('on-CPU, 20 Hz', {})];
    if (process.env.PROFILER_BENCH_OFF_CPU !== '0')
      phases.push(await phase('on-CPU 20 Hz + off-CPU (threshold 1, >= 1 ms)', { offCpuThreshold: 1 }));
    report('ebpf-profiler', { cpus: onlineCpus(), phases });
  } finally {
    writeFileSync(STATS, statsWere);
  }
}

const onlineCpus = () => Number(readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().split('-').pop()) + 1;

await main();
