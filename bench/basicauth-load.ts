// basicauth under load (issue 23): 1,000 requests/s with Basic credentials against a cost-10
// bcrypt htpasswd entry (made by Apache's htpasswd) on one OTLP/HTTP receiver, while another
// receiver without auth is probed 50 times a second, one request at a time. bcrypt on the event
// loop (~90 ms per check at cost 10) would stall the probed receiver; with the check on a
// worker and the verified pair cached, the probe should see what the same load sent to a
// receiver without auth (the control) does to it. Phases: the probe alone, then control and
// auth load alternated BENCH_PAIRS times (this machine's speed drifts). Reports the probe's
// percentiles per phase, the load's status codes and latency, and flowtel's CPU per phase.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, waitForPort } from '@flowtel/testkit';
import { startBundleOn } from './lib/bundle.ts';
import { processUsage, report, usageFigures } from './lib/report.ts';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PROBES_PER_SECOND = 50;
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2);
const USER = 'bench';
const PASSWORD = 'a password of some length';

const body = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'basicauth-bench' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'GET /',
              kind: 2,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000001000000',
            },
          ],
        },
      ],
    },
  ],
});

function post(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      `http://127.0.0.1:${port}/v1/traces`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Probes `port` PROBES_PER_SECOND times a second for `seconds`, one request at a time. */
async function probe(port: number, seconds: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const next = performance.now() + 1000 / PROBES_PER_SECOND;
    latencies.push(await post(port));
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  return { probes: latencies.length, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: at(1) };
}

const htpasswd = execFileSync('htpasswd', ['-nbB', '-C', '10', USER, PASSWORD], { encoding: 'utf8' }).trim();
const [authPort, controlPort, openPort] = [await freePort(), await freePort(), await freePort()];
const dir = mkdtempSync(join(tmpdir(), 'basicauth-bench-'));
const flowtel = startBundleOn(
  `
extensions:
  basicauth:
    htpasswd:
      inline: '${htpasswd}'
receivers:
  otlp/auth:
    protocols:
      http: {endpoint: 127.0.0.1:${authPort}, auth: {authenticator: basicauth}}
  otlp/control:
    protocols:
      http: {endpoint: 127.0.0.1:${controlPort}}
  otlp/open:
    protocols:
      http: {endpoint: 127.0.0.1:${openPort}}
exporters:
  file: {path: ${join(dir, 'spans.jsonl')}}
service:
  extensions: [basicauth]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp/auth, otlp/control, otlp/open], exporters: [file]}
`,
  'basicauth',
);
try {
  await waitForPort(openPort, '127.0.0.1', 120_000);
  await waitForPort(authPort, '127.0.0.1', 120_000);
  await probe(openPort, 2); // warm-up
  const baseline = await probe(openPort, SECONDS);
  const phases: Record<string, unknown>[] = [];
  for (let i = 0; i < PAIRS; i++)
    for (const phase of ['control', 'auth'] as const) {
      const before = await processUsage(flowtel.process.pid!);
      const load = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO_ROOT, 'bench/lib/http-load.ts'),
          JSON.stringify({
            url: `http://127.0.0.1:${phase === 'auth' ? authPort : controlPort}/v1/traces`,
            headers: {
              'content-type': 'application/json',
              authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
            },
            body,
            rate: RATE,
            seconds: SECONDS,
          }),
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let loadOut = '';
      load.stdout.on('data', (d: Buffer) => (loadOut += d.toString()));
      const probed = await probe(openPort, SECONDS);
      const after = await processUsage(flowtel.process.pid!);
      await new Promise((r) => load.on('exit', r));
      phases.push({
        phase,
        open_receiver: probed,
        load: JSON.parse(loadOut),
        flowtel: usageFigures(before, after, SECONDS),
      });
    }
  report('basicauth-load', { bcrypt_cost: 10, rate: RATE, seconds: SECONDS, open_receiver_baseline: baseline, phases });
} finally {
  await flowtel.stop();
}
