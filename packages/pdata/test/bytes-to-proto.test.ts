// The fast path of OTLP/JSON request bodies (bytes-to-proto.ts) against the slow path it stands
// in for (to-proto.ts over JSON.parse of the decoded text): wherever the fast path answers, the
// slow path must accept the same body and write the same bytes with the same item count;
// wherever it gives up, the slow path decides. Inputs: the OpenTelemetry JS SDK's JSON
// serializers' output, our writer's, hand-written edge cases, and seeded variations of them
// (keys reordered and in snake_case, nulls, unknown fields, escapes, non-ASCII and invalid
// UTF-8, numbers for strings and back, ids of other lengths, then bytes changed at random).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { logsToJson, metricsToJson, tracesToJson } from '../src/index.ts';
import { jsonBytesToProto } from '../src/json/bytes-to-proto.ts';
import { jsonToProto } from '../src/json/to-proto.ts';
import { LOGS_MESSAGE, METRICS_MESSAGE, TRACES_MESSAGE, type Message } from '../src/json/transcode.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';
import { sdkSpans } from './support/sdk-traces.ts';
import { sdkMetrics } from './support/sdk-metrics.ts';
import { sdkLogRecords } from './support/sdk-logs.ts';

type SignalName = 'traces' | 'metrics' | 'logs';
const SPECS: Record<SignalName, { spec: Message; counted: string }> = {
  traces: { spec: TRACES_MESSAGE, counted: 'spans' },
  metrics: { spec: METRICS_MESSAGE, counted: 'dataPoints' },
  logs: { spec: LOGS_MESSAGE, counted: 'logRecords' },
};

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Both paths over one body; says whether the fast path answered. */
function compare(signal: SignalName, body: Uint8Array): boolean {
  const { spec, counted } = SPECS[signal];
  const fast = jsonBytesToProto(body, spec, counted);
  if (fast === undefined) return false;
  const shown = () => Buffer.from(body).toString('utf8').slice(0, 300);
  let slow;
  try {
    slow = jsonToProto(Buffer.from(body).toString('utf8'), spec, signal, counted);
  } catch (err) {
    assert.fail(`the fast path took a body the slow path refuses (${(err as Error).message}): ${shown()}`);
  }
  assert.deepEqual(Buffer.from(fast.bytes), Buffer.from(slow.bytes), shown());
  assert.equal(fast.items, slow.items, shown());
  return true;
}

async function seeds(): Promise<Record<SignalName, string[]>> {
  return {
    traces: [tracesToJson(sampleTraces()), text(JsonTraceSerializer.serializeRequest(await sdkSpans()))],
    metrics: [metricsToJson(sampleMetrics()), text(JsonMetricsSerializer.serializeRequest(await sdkMetrics()))],
    logs: [logsToJson(sampleLogs()), text(JsonLogsSerializer.serializeRequest(await sdkLogRecords()))],
  };
}

test('fast path: the JS SDK serializers and our writer are taken whole, with the slow path bytes', async () => {
  for (const [signal, inputs] of Object.entries(await seeds()) as Array<[SignalName, string[]]>)
    for (const json of inputs) assert.ok(compare(signal, Buffer.from(json)), `${signal} taken: ${json.slice(0, 100)}`);
});

test('fast path: hand-written edge cases are taken with the same bytes or left to the slow path', () => {
  const taken = (signal: SignalName, json: string) => assert.ok(compare(signal, Buffer.from(json)), json);
  const left = (signal: SignalName, json: string) =>
    assert.equal(jsonBytesToProto(Buffer.from(json), SPECS[signal].spec, SPECS[signal].counted), undefined, json);
  taken(
    'traces',
    ` {"resource_spans":[{"resource":{"attributes":[{"key":"k","value":{"int_value":12}},
      {"key":"big","value":{"intValue":9007199254740993}},{"key":"neg","value":{"intValue":"-9007199254740993"}},
      {"key":"none","value":{}},{"key":"null","value":null},{"key":"d","value":{"doubleValue":-0}},
      {"key":"e","value":{"doubleValue":1.5e-7}},{"key":"empty","value":{"stringValue":""}},{"key":"b","value":{"bytesValue":""}},
      {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true},{}]}}}]}}}],
      "dropped_attributes_count":"2"},
    "scope_spans":[{"scope":null,"spans":[{"trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331",
      "parent_span_id":"","name":"x \\"quoted\\" \\u00e9\\ud83d\\ude00 é 😀","kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1700000000000000001,
      "end_time_unix_nano":"18446744073709551615","status":{"code":"STATUS_CODE_ERROR"},"some_future_field":{"anything":[1,2.5e3,"\\n",null,true,{}]},
      "events":null,"links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":"256"}]},
      {"status":{}},{}]}]}],"extra":true}
    `,
  );
  taken(
    'metrics',
    `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"h","histogram":{"dataPoints":[{"count":9007199254740993,"bucketCounts":[9007199254740995,1],"explicitBounds":[1,2.5],"sum":0}]}},
      {"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,
        "dataPoints":[{"asInt":-9007199254740993,"timeUnixNano":1700000000000000003,"exemplars":[{"asDouble":-0.5,"spanId":"eee19b7ec3c1b174"}]}]}},
      {"name":"e","exponentialHistogram":{"dataPoints":[{"zeroCount":9007199254740997,"scale":-3,"min":-1,
        "positive":{"offset":-2,"bucketCounts":[9007199254740999]},"negative":{}}]}},
      {"name":"g","gauge":{}},{"name":"nothing"}]}]}]}`,
  );
  taken(
    'logs',
    '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN2","body":{"stringValue":""}},{"body":{}}]}]}]}',
  );
  taken('logs', '{}');
  taken(
    'metrics',
    '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"dataPoints":[{"asDouble":"NaN"},{"asDouble":"-Infinity"},{"asDouble":" 2.5"}]}}]}]}]}',
  );
  taken(
    'traces',
    '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"AP+ABw=="}},{"key":"u","value":{"bytesValue":"AP-ABw"}}]}}]}',
  );
  // what the slow path decides: refusals, and what only it reads
  for (const [signal, json] of [
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319"}]}]}]}'], // 31 digits
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"b7ad6b716920333g"}]}]}]}'],
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"18446744073709551616"}]}]}]}'],
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":1.0}]}]}]}'],
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","name":"b"}]}]}]}'],
    ['traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","\\u006eame":"b"}]}]}]}'],
    [
      'traces',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"3","stringValue":"s"}}]}}]}',
    ],
    ['traces', '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"AA=\\u003d"}}]}}]}'],
    ['traces', '{"resourceSpans":[]} x'],
    ['traces', '\ufeff{}'],
    ['traces', '[]'],
    [
      'metrics',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"dataPoints":[{"asDouble":"1e400x"}]}}]}]}]}',
    ],
    ['logs', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":25}]}]}]}'.replace('25', '2147483648')],
  ] as Array<[SignalName, string]>)
    left(signal, json);
});

/** A small seeded generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const STRINGS = ['', 'é', '😀', 'a"b', 'line\nnext', '\u0001', '\ud800', 'x'.repeat(200)];

/**
 * A variation of a parsed request, each change at random, deep. A gentle one changes only what
 * the fast path takes (key order and case, nulls, unknown keys, escapes and non-ASCII in strings,
 * numbers for integer strings); the others also break rules or take what only the slow path reads.
 */
function vary(value: unknown, next: () => number, gentle: boolean, key = ''): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  if (Array.isArray(value)) {
    const out = value.map((v) => vary(v, next, gentle, key));
    if (!gentle && next() < 0.02) out.push(pick([null, 1, 'x', {}]));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    let entries = Object.entries(value).map(([k, v]) => [k, vary(v, next, gentle, k)] as [string, unknown]);
    if (next() < 0.3) entries = entries.sort(() => next() - 0.5);
    entries = entries.map(([k, v]) => [next() < 0.1 ? snake(k) : k, next() < 0.02 ? null : v]);
    if (next() < 0.05)
      entries.push(
        gentle ? ['future', pick([1, 'x', null, [{ a: '\\' }]])] : [pick(['name', 'intValue', 'schemaUrl']), 1],
      );
    return Object.fromEntries(entries);
  }
  if (typeof value === 'string') {
    const r = next();
    if (!gentle && /^[0-9a-f]+$/.test(value) && value.length >= 16 && r < 0.1)
      return pick([value.toUpperCase(), value.slice(1), `${value}0`, '']);
    if (/^\d+$/.test(value) && r < 0.2 && (!gentle || /(UnixNano|Count|^intValue|^asInt|^count)$/.test(key)))
      return gentle
        ? Number(value) < 2 ** 53
          ? Number(value)
          : value
        : pick([`-${value}`, `0${value}`, `${value}.0`]);
    if (r < 0.05 && (!gentle || /^(stringValue|name|key|message|traceState)$/.test(key))) return value + pick(STRINGS);
    return value;
  }
  if (typeof value === 'number' && next() < 0.1)
    return gentle ? String(value) : pick([-value, value + 0.5, 2 ** 53 + 2, 0]);
  return value;
}

/** Bytes changed at random: replaced, removed, inserted, or the body cut short. */
function damage(bytes: Buffer, next: () => number): Buffer {
  const out = [...bytes];
  const n = 1 + Math.floor(next() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(next() * out.length);
    const r = next();
    const b = [0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x80, 0xc3, 0xff, 0x20, 0x6e][
      Math.floor(next() * 15)
    ]!;
    if (r < 0.4) out[at] = b;
    else if (r < 0.7) out.splice(at, 1);
    else if (r < 0.9) out.splice(at, 0, b);
    else out.length = at;
  }
  return Buffer.from(out);
}

test('fast path: seeded variations of real requests, then damaged bytes, agree with the slow path', async () => {
  const all = await seeds();
  const next = random(14);
  let taken = 0;
  let gentle = 0;
  for (const [signal, inputs] of Object.entries(all) as Array<[SignalName, string[]]>) {
    for (const json of inputs) {
      const parsed = JSON.parse(json) as unknown;
      for (let k = 0; k < 60; k++) {
        const variant = Buffer.from(JSON.stringify(vary(parsed, next, k % 2 === 0), null, k % 3 === 0 ? 1 : undefined));
        if (k % 2 === 0) {
          gentle++;
          if (compare(signal, variant)) taken++;
        } else compare(signal, variant);
        for (let d = 0; d < 2; d++) compare(signal, damage(variant, next));
      }
    }
  }
  // gentle variations stay on the fast path, but for a value the slow path reads differently
  assert.ok(taken >= gentle * 0.9, `${taken} of ${gentle} gentle variations taken`);
});
