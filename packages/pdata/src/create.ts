// Constructors that fill every field with the proto3 default, so a partially specified
// message is still a complete model value.
import type { InstrumentationScope, LogRecord, Resource, Span, KeyValue, AnyValue, Traces } from './model.ts';

const EMPTY = new Uint8Array(0);

export function newResource(attributes: KeyValue[] = []): Resource {
  return { attributes, droppedAttributesCount: 0, entityRefs: [] };
}

export function newScope(name = '', version = ''): InstrumentationScope {
  return { name, version, attributes: [], droppedAttributesCount: 0 };
}

export function newSpan(fields: Partial<Span> = {}): Span {
  return {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
    ...fields,
  };
}

export function newLogRecord(fields: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: {},
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY,
    spanId: EMPTY,
    eventName: '',
    ...fields,
  };
}

/** Traces of one resource and one scope holding `spans`. */
export function tracesOf(spans: Span[], resource = newResource(), scope = newScope()): Traces {
  return { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans }] }] };
}

/** Attribute from a plain JS value; integers that fit are int, other numbers double. */
export function attr(key: string, value: string | number | boolean | bigint): KeyValue {
  return { key, value: toAnyValue(value) };
}

export function toAnyValue(value: string | number | boolean | bigint): AnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value };
    default:
      return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
  }
}

/** The JS value of an attribute, for display and matching; ints become bigint. */
export function fromAnyValue(value: AnyValue): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return value.intValue;
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return value.arrayValue.values.map(fromAnyValue);
  if ('kvlistValue' in value)
    return Object.fromEntries(value.kvlistValue.values.map((kv) => [kv.key, fromAnyValue(kv.value)]));
  return undefined;
}

export function getAttr(attributes: KeyValue[], key: string): unknown {
  for (const kv of attributes) if (kv.key === key) return fromAnyValue(kv.value);
  return undefined;
}
