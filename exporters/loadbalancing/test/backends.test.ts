// Three backends (two flowtel processes) behind a flowtel load balancer, OpenTelemetry JS SDK traffic in: every
// span of a trace lands on one backend, the one contrib's ring picks, and all three get traces;
// a backend removed from the static list (config reloaded with SIGHUP) gets no new trace while
// the others keep theirs; a backend that is down is retried until it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';
import { HashRing } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-lb-'));

/** One flowtel process serving backends: an OTLP/gRPC receiver into a file per backend. */
const backendConfig = (backends: Array<[port: number, out: string]>) => `
receivers:
${backends.map(([port], i) => `  otlp/${i}: {protocols: {grpc: {endpoint: 127.0.0.1:${port}}}}`).join('\n')}
exporters:
${backends.map(([, out], i) => `  file/${i}: {path: ${out}}`).join('\n')}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
${backends.map((_, i) => `    traces/${i}: {receivers: [otlp/${i}], exporters: [file/${i}]}`).join('\n')}
`;

const balancerConfig = (port: number, backends: number[]) => `
receivers:
  otlp: {protocols: {grpc: {endpoint: 127.0.0.1:${port}}}}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {insecure: true}
        retry_on_failure: {initial_interval: 100ms, max_interval: 1s}
    resolver:
      static:
        hostnames: [${backends.map((p) => `127.0.0.1:${p}`).join(', ')}]
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [loadbalancing]}
`;

/** trace id (hex) -> span count, per file exporter output */
function tracesIn(path: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean))
    for (const rs of JSON.parse(line).resourceSpans ?? [])
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s.traceId, (out.get(s.traceId) ?? 0) + 1);
  return out;
}

/** `n` traces of three spans each (a root and two children) from the SDK; their ids. */
async function sendTraces(port: number, n: number): Promise<string[]> {
  const provider = sdkTracerProvider(port, { 'service.name': 'checkout' });
  const tracer = provider.getTracer('lb-test');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const root = tracer.startSpan(`order ${i}`);
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan('db', {}, ctx).end();
    tracer.startSpan('cache', {}, ctx).end();
    root.end();
    ids.push(root.spanContext().traceId);
    // one export per span (SimpleSpanProcessor): stay under the exporter's concurrent limit
    await provider.forceFlush();
  }
  await provider.shutdown();
  return ids;
}

const total = (files: string[]) => files.reduce((n, f) => n + [...tracesIn(f).values()].reduce((a, b) => a + b, 0), 0);

test('traces whole on contrib-ring backends; a removed backend gets no new keys; a down one is retried', async (t) => {
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const [lbPort, ...backends] = ports;
  const files = backends.map((_, i) => join(dir, `b${i}.jsonl`));
  // backends 0 and 2 in one process, 1 in another (it is stopped and started again below):
  // fewer processes to start on a loaded machine
  const [, stoppable] = await Promise.all([
    runCollector(
      t,
      backendConfig([
        [backends[0], files[0]],
        [backends[2], files[2]],
      ]),
    ),
    runCollector(t, backendConfig([[backends[1], files[1]]]), backends[1]),
  ]);
  const lbConfig = join(dir, 'lb.yaml');
  writeFileSync(lbConfig, balancerConfig(lbPort, backends));
  const lb = await runCollector(t, lbConfig, lbPort);
  const endpoints = backends.map((p) => `127.0.0.1:${p}`);
  const backendOf = (ring: HashRing, id: string) => endpoints.indexOf(ring.endpointFor(Buffer.from(id, 'hex'))!);

  // 1. three backends
  const first = await sendTraces(lbPort, 60);
  await waitFor('180 spans on the backends', async () => total(files) === 180, CONDITION_TIMEOUT_MS);
  const ring3 = new HashRing(endpoints);
  const seen = files.map(tracesIn);
  for (const id of first) {
    const holders = seen.map((m, i) => (m.has(id) ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(holders, [backendOf(ring3, id)], `trace ${id} on one backend, the ring's`);
    assert.equal(seen[holders[0]].get(id), 3);
  }
  for (const m of seen) assert.ok(m.size > 0, 'every backend got traces');

  // 2. the third backend removed from the list: the balancer reloads its config on SIGHUP
  writeFileSync(lbConfig, balancerConfig(lbPort, backends.slice(0, 2)));
  const count = (line: string) => lb.output().split(line).length - 1;
  lb.process.kill('SIGHUP');
  await waitFor(
    'the balancer to rebuild its ring and take traces again',
    async () => count('load balancer backends changed') >= 2 && count('Everything is ready') >= 2,
    CONDITION_TIMEOUT_MS,
  );
  const ring2 = new HashRing(endpoints.slice(0, 2));
  const before3 = tracesIn(files[2]).size;
  const second = await sendTraces(lbPort, 60);
  await waitFor('360 spans on the backends', async () => total(files) === 360, CONDITION_TIMEOUT_MS);
  assert.equal(tracesIn(files[2]).size, before3, 'the removed backend got nothing new');
  const now = files.map(tracesIn);
  let stayed = 0;
  for (const id of second) {
    const at = backendOf(ring2, id);
    assert.ok(at === 0 || at === 1);
    assert.equal(now[at].get(id), 3, `trace ${id} whole on backend ${at}`);
    if (backendOf(ring3, id) === at) stayed++;
  }
  // keys of the remaining backends do not move: only the removed one's third does
  assert.equal(stayed, second.filter((id) => backendOf(ring3, id) !== 2).length);

  // 3. backend 1 down: its share waits in its exporter's queue and is retried until it is back
  await stoppable.stop();
  const third = await sendTraces(lbPort, 20);
  const toB1 = third.filter((id) => backendOf(ring2, id) === 1);
  const toB0 = third.filter((id) => backendOf(ring2, id) === 0);
  await waitFor('backend 0 to get its share', async () => toB0.every((id) => tracesIn(files[0]).get(id) === 3));
  const revived = join(dir, 'b1-again.jsonl');
  await runCollector(t, backendConfig([[backends[1], revived]]), backends[1]);
  await waitFor(
    "backend 1's share after it came back",
    async () => toB1.every((id) => tracesIn(revived).get(id) === 3),
    CONDITION_TIMEOUT_MS,
  );
  assert.ok(toB1.length > 0, 'some of the 20 traces belong to backend 1');
});
