// Entries to OTLP logs as contrib's stanza adapter converts them: one ResourceLogs per distinct
// resource, one ScopeLogs per scope name inside it, values typed as Go's would be (float64 as
// double, int64 as int, []byte as bytes, nil as an empty value).
import type { AnyValue, KeyValue, LogRecord, Logs, ResourceLogs, ScopeLogs } from '@flowtel/pdata';
import type { Entry, Value, ValueMap } from './entry.ts';

const EMPTY = new Uint8Array(0);

export function toAnyValue(v: Value): AnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'number':
      return { doubleValue: v };
    case 'bigint':
      return { intValue: v };
    case 'boolean':
      return { boolValue: v };
  }
  if (v === null || v === undefined) return {};
  if (v instanceof Uint8Array) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
  return { kvlistValue: { values: toKeyValues(v) } };
}

export function toKeyValues(m: ValueMap): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key in m) out.push({ key, value: toAnyValue(m[key]) });
  return out;
}

/** a key that is the same for equal resources (key order included, as contrib's hash sorts them) */
function resourceKey(m: ValueMap): string {
  let empty = true;
  for (const _ in m) {
    empty = false;
    break;
  }
  if (empty) return '';
  const keys = Object.keys(m);
  keys.sort();
  let s = '';
  for (const k of keys) s += `${k}\u0000${stringify(m[k])}\u0001`;
  return s;
}

const stringify = (v: Value): string =>
  typeof v === 'bigint'
    ? `${v}n`
    : typeof v === 'string'
      ? v
      : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

export function toLogRecord(e: Entry): LogRecord {
  return {
    timeUnixNano: e.timestamp,
    observedTimeUnixNano: e.observedTimestamp,
    severityNumber: e.severity,
    severityText: e.severityText,
    body: toAnyValue(e.body),
    attributes: toKeyValues(e.attributes),
    droppedAttributesCount: 0,
    flags: e.traceFlags ?? 0,
    traceId: e.traceId ?? EMPTY,
    spanId: e.spanId ?? EMPTY,
    eventName: '',
  };
}

/** Entries as one OTLP logs request. */
export function toLogs(entries: Entry[]): Logs {
  const byResource = new Map<string, { rl: ResourceLogs; scopes: Map<string, ScopeLogs> }>();
  for (const e of entries) {
    const key = resourceKey(e.resource);
    let r = byResource.get(key);
    if (!r) {
      r = {
        rl: {
          resource: { attributes: toKeyValues(e.resource), droppedAttributesCount: 0, entityRefs: [] },
          scopeLogs: [],
          schemaUrl: '',
        },
        scopes: new Map(),
      };
      byResource.set(key, r);
    }
    let s = r.scopes.get(e.scopeName);
    if (!s) {
      s = {
        scope: { name: e.scopeName, version: '', attributes: [], droppedAttributesCount: 0 },
        logRecords: [],
        schemaUrl: '',
      };
      r.scopes.set(e.scopeName, s);
      r.rl.scopeLogs.push(s);
    }
    s.logRecords.push(toLogRecord(e));
  }
  return { resourceLogs: [...byResource.values()].map((r) => r.rl) };
}
