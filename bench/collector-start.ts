// What a collector costs before any data: the relay config of otlp-sdk-relay (`otlp -> batch ->
// otlp_grpc`) started as `npm start` runs it (the bundle), BENCH_REPEAT times (default 3).
// Figures (medians): start_cpu_seconds, the CPU the process used until its ports and its
// metrics endpoint answered; start_wall_seconds; idle_rss_mib, its RSS once its CPU stopped
// moving (2 s without a tick), which is where the relay's peak RSS under load starts from.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { freePort } from '@flowtel/testkit';
import { sleep } from './lib/otlp-rig.ts';
import { relayConfig, startFlowtel } from './lib/relay.ts';
import { processUsage, report } from './lib/report.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function rssMib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function once(): Promise<{ start_cpu_seconds: number; start_wall_seconds: number; idle_rss_mib: number }> {
  const [grpc, http, backend] = [await freePort(), await freePort(), await freePort()];
  const began = performance.now();
  const relay = await startFlowtel('start', relayConfig({ grpc, http, backend }), [grpc, http]);
  try {
    const start_wall_seconds = (performance.now() - began) / 1000;
    const start_cpu_seconds = (await processUsage(relay.pid)).cpu_seconds;
    // idle: the CPU clock stands still for 2 s (nothing scrapes the metrics endpoint meanwhile)
    for (let last = -1, stillSince = Date.now(); Date.now() - stillSince < 2000; await sleep(250)) {
      const cpu = (await processUsage(relay.pid)).cpu_seconds;
      if (cpu !== last) ((last = cpu), (stillSince = Date.now()));
    }
    return { start_cpu_seconds, start_wall_seconds, idle_rss_mib: await rssMib(relay.pid) };
  } finally {
    await relay.collector.stop();
  }
}

const runs = [];
const load = [loadavg()[0]];
for (let i = 0; i < REPEAT; i++) runs.push(await once());
load.push(loadavg()[0]);
report('collector-start', {
  config: 'otlp -> batch -> otlp_grpc',
  repeat: REPEAT,
  start_cpu_seconds: round(median(runs.map((r) => r.start_cpu_seconds))),
  start_wall_seconds: round(median(runs.map((r) => r.start_wall_seconds))),
  idle_rss_mib: round(median(runs.map((r) => r.idle_rss_mib)), 1),
  runs,
  machine_load_1m: load.map((l) => round(l, 1)),
});
