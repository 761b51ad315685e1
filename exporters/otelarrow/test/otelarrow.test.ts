// The "done when": a flowtel with the otelarrow exporter feeds a flowtel with the
// otelarrow receiver over loopback and OTel JS SDK spans arrive field for field as they left;
// against a plain otlp receiver the exporter downgrades to OTLP and the spans arrive all the same.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

const SPANS = 20;

/** The SDK's spans: attributes of every scalar type and arrays, events, links, status, kinds. */
async function sendSpans(port: number): Promise<void> {
  const provider = sdkTracerProvider(port, { 'service.name': 'checkout', 'deployment.environment': 'test' });
  const tracer = provider.getTracer('otelarrow-test', '1.2.3');
  const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET' } });
  const link = { context: root.spanContext(), attributes: { 'link.kind': 'follows' } };
  for (let i = 0; i < SPANS - 1; i++) {
    const span = tracer.startSpan(
      `op-${i % 3}`,
      {
        kind: i % 2 ? SpanKind.CLIENT : SpanKind.INTERNAL,
        attributes: { i: i, ratio: i / 4, ok: i % 2 === 0, tags: ['a', `b${i}`], 'db.system': 'postgresql' },
        links: i % 4 === 0 ? [link] : [],
      },
      trace.setSpan(context.active(), root),
    );
    span.addEvent('retry', { attempt: i });
    if (i % 5 === 0) span.addEvent('exception', { 'exception.message': `boom ${i}` });
    if (i % 3 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${i}` });
    span.end();
  }
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
}

type JsonSpan = ReturnType<typeof spansInFile>[number];
/** Attributes are a map (OTAP sorts them): compare them by key. */
const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
function normalize(spans: JsonSpan[]): unknown[] {
  const n = (s: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...s };
    for (const k of ['attributes']) if (Array.isArray(out[k])) out[k] = [...(out[k] as { key: string }[])].sort(byKey);
    for (const k of ['events', 'links'])
      if (Array.isArray(out[k])) out[k] = (out[k] as Record<string, unknown>[]).map(n);
    return out;
  };
  return (spans as unknown as Record<string, unknown>[])
    .map(n)
    .sort((a, b) => String(a.spanId).localeCompare(String(b.spanId)));
}

async function relay(
  t: TestContext,
  downstreamReceiver: string,
): Promise<{ sent: string; received: string; upstream: Awaited<ReturnType<typeof runCollector>> }> {
  const [inPort, linkPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-otelarrow-'));
  const sent = join(dir, 'sent.jsonl');
  const received = join(dir, 'received.jsonl');
  await runCollector(
    t,
    `
receivers:
  ${downstreamReceiver}:
    protocols: {grpc: {endpoint: "127.0.0.1:${linkPort}"}}
exporters:
  file: {path: ${received}}
service:
  pipelines:
    traces: {receivers: [${downstreamReceiver}], exporters: [file]}
`,
    linkPort,
  );
  const upstream = await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${inPort}"}}}
exporters:
  otelarrow:
    endpoint: 127.0.0.1:${linkPort}
    tls: {insecure: true}
    arrow: {num_streams: 2}
  file: {path: ${sent}}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otelarrow, file]}
`,
    inPort,
  );
  await sendSpans(inPort);
  return { sent, received, upstream };
}

async function allSpans(path: string): Promise<JsonSpan[]> {
  return waitFor(
    `${SPANS} spans in ${path}`,
    async () => {
      const s = spansInFile(path);
      return s.length >= SPANS && s;
    },
    CONDITION_TIMEOUT_MS,
  );
}

test(
  'otelarrow exporter -> otelarrow receiver: JS SDK spans arrive field for field',
  { timeout: 400_000 },
  async (t) => {
    const { sent, received, upstream } = await relay(t, 'otelarrow');
    const [left, arrived] = [await allSpans(sent), await allSpans(received)];
    assert.equal(arrived.length, SPANS);
    assert.deepEqual(normalize(arrived), normalize(left));
    // the exporter stayed on Arrow: it never fell back to OTLP
    assert.doesNotMatch(upstream.output(), /downgrading to standard OTLP/);
  },
);

test('otelarrow exporter -> plain otlp receiver: downgrades to OTLP, spans arrive', { timeout: 400_000 }, async (t) => {
  const { sent, received, upstream } = await relay(t, 'otlp');
  const [left, arrived] = [await allSpans(sent), await allSpans(received)];
  assert.deepEqual(normalize(arrived), normalize(left));
  assert.match(upstream.output(), /downgrading to standard OTLP/);
});
