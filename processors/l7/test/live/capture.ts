// What the live conformance tests share: the real collector (`flowtel --config`) capturing with
// the ebpf receiver, parsing with the l7 processor and writing OTLP/JSON with the file
// exporter, and the spans read back from that file.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hasCommand, startCollector, waitFor, waitForOutput, type RunningCollector } from '@flowtel/testkit';
import { captureUnavailable } from '../../../../ebpf-receiver/test/capture-support.ts';

export { runClient } from '../../../../ebpf-receiver/test/servers.ts';

/** Skips with the reason (root, BTF, the addon, a missing tool), except in CI where it fails. */
export function skipUnlessLive(t: TestContext, tools: string[]): boolean {
  const missing = tools.filter((tool) => !hasCommand(tool));
  const why = captureUnavailable() ?? (missing.length ? `not installed: ${missing.join(', ')}` : undefined);
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`live L7 capture must run in CI: ${why}`);
  t.skip(why);
  return true;
}

export const SpanKind = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

type Value = string | number | boolean;

export interface LiveSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  pid: number;
  attributes: Record<string, Value>;
  status: { code?: number; message?: string };
}

interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface JsonKeyValue {
  key: string;
  value: JsonValue;
}

const plain = (v: JsonValue): Value =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const attributeMap = (list: JsonKeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** Every span in an OTLP/JSON lines file, with its resource's service.name and process.pid. */
export function readSpans(path: string): LiveSpan[] {
  if (!existsSync(path)) return [];
  const spans: LiveSpan[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const resource = attributeMap(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          spans.push({
            name: s.name,
            kind: s.kind,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            service: String(resource['service.name'] ?? ''),
            pid: Number(resource['process.pid'] ?? 0),
            attributes: attributeMap(s.attributes),
            status: s.status ?? {},
          });
    }
  }
  return spans;
}

export interface Capture {
  collector: RunningCollector;
  /** the file exporter's output */
  path: string;
  spans(): LiveSpan[];
  /** Waits until `found` returns something truthy for the spans written so far. */
  waitForSpans<T>(what: string, found: (spans: LiveSpan[]) => T | undefined | false, timeoutMs?: number): Promise<T>;
}

export interface CaptureOptions {
  /** extra keys under `processors.l7` (YAML, indented by four spaces) */
  l7?: string;
}

/**
 * Starts `flowtel` with ebpf (only `ports`) → l7 → file, and waits until capture runs. The
 * collector stops when the test ends.
 */
export async function startCapture(t: TestContext, ports: number[], options: CaptureOptions = {}): Promise<Capture> {
  const path = join(mkdtempSync(join(tmpdir(), 'flowtel-l7-live-')), 'spans.json');
  const collector = startCollector(`receivers:
  ebpf:
    required: true
    filters:
      ports:
        allow: [${ports.join(', ')}]
processors:
  l7:
${options.l7 ?? ''}
exporters:
  file:
    path: ${path}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [ebpf]
      processors: [l7]
      exporters: [file]
`);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 60_000);
  return {
    collector,
    path,
    spans: () => readSpans(path),
    waitForSpans: async (what, found, timeoutMs = 20_000) => {
      try {
        return await waitFor(what, async () => found(readSpans(path)), timeoutMs, 100);
      } catch (err) {
        const seen = readSpans(path).map((s) => `${s.service}/${s.kind} ${s.name} ${JSON.stringify(s.attributes)}`);
        throw new Error(
          `${(err as Error).message}\nspans written:\n${seen.join('\n')}\ncollector output:\n${collector.output()}`,
        );
      }
    },
  };
}

/** The spans of one kind whose service (the process's command name) is `service`. */
export const spansOf = (spans: LiveSpan[], service: string, kind: number) =>
  spans.filter((s) => s.service === service && s.kind === kind);

/** A server span's client: the span it names as parent, in the same trace. */
export function parentOf(span: LiveSpan, spans: LiveSpan[]): LiveSpan | undefined {
  return spans.find((s) => s.spanId === span.parentSpanId && s.traceId === span.traceId);
}
