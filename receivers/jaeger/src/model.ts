// Jaeger's span model as both wire formats decode into it (jaeger.thrift's Batch and
// api_v2 model.proto's Batch differ only in how ids and times are spelled), with tags already
// typed OTLP KeyValues, so one translation serves both.
import type { AnyValue, KeyValue } from '@flowtel/pdata';

/** SpanRefType in both IDLs */
export const RefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const;

export interface JaegerRef {
  refType: number;
  /** 16 bytes, big-endian high then low */
  traceId: Uint8Array;
  /** 8 bytes */
  spanId: Uint8Array;
}

export interface JaegerLog {
  timeUnixNano: bigint;
  fields: KeyValue[];
}

export interface JaegerProcess {
  serviceName: string;
  /** undefined when the process has no tags field at all (contrib tells that from an empty list) */
  tags: KeyValue[] | undefined;
}

export interface JaegerSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  /** thrift's explicit parentSpanId; empty when zero or absent (proto has only references) */
  parentSpanId: Uint8Array;
  operationName: string;
  references: JaegerRef[];
  flags: number;
  startTimeUnixNano: bigint;
  durationNano: bigint;
  tags: KeyValue[];
  logs: JaegerLog[];
  /** a span's own process (proto), which takes precedence over its batch's */
  process?: JaegerProcess;
}

export interface JaegerBatch {
  process?: JaegerProcess;
  spans: JaegerSpan[];
}

export const EMPTY: Uint8Array = new Uint8Array(0);

/** A 64-bit id (thrift's i64) as 8 big-endian bytes; zero is "no id". */
export function idBytes(v: bigint): Uint8Array {
  if (v === 0n) return EMPTY;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v));
  return out;
}

/** high and low halves (thrift) as a 16-byte trace id; both zero is "no id". */
export function traceIdBytes(high: bigint, low: bigint): Uint8Array {
  if (high === 0n && low === 0n) return EMPTY;
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, high));
  view.setBigUint64(8, BigInt.asUintN(64, low));
  return out;
}

/** A tag's value type, by what both IDLs' enums name (in their own orders). */
export type TagKind = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface TagFields {
  str: string;
  bool: boolean;
  int64: bigint;
  float64: number;
  binary: Uint8Array;
}

/**
 * The typed OTLP value of a tag; an unknown type is contrib's
 * `fmt.Sprintf("<Unknown Jaeger TagType %q>", vType)` with the enum's Go String() as `typeName`.
 */
export function tagValue(kind: TagKind | undefined, f: TagFields, typeName: string): AnyValue {
  switch (kind) {
    case 'string':
      return { stringValue: f.str };
    case 'bool':
      return { boolValue: f.bool };
    case 'int64':
      return { intValue: f.int64 };
    case 'float64':
      return { doubleValue: f.float64 };
    case 'binary':
      return { bytesValue: f.binary };
    default:
      return { stringValue: `<Unknown Jaeger TagType "${typeName}">` };
  }
}
