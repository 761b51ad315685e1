// jaeger.thrift's Batch (and agent.thrift's emitBatch call that carries it over UDP), read with
// our own bounded thrift readers. Required fields are checked as thrift's generated Go code
// checks them; unknown fields are skipped.
import type { KeyValue } from '@flowtel/pdata';
import { DecodeError } from '@flowtel/pdata';
import { MessageType, TType, type ThriftReader } from '@flowtel/thrift';
import {
  EMPTY,
  idBytes,
  tagValue,
  traceIdBytes,
  type TagFields,
  type TagKind,
  type JaegerBatch,
  type JaegerLog,
  type JaegerProcess,
  type JaegerRef,
  type JaegerSpan,
} from './model.ts';

/** jaeger.thrift's TagType, in its order */
const TAG_KINDS: TagKind[] = ['string', 'float64', 'bool', 'int64', 'binary'];

function required(r: ThriftReader, ok: boolean, what: string): void {
  if (!ok) throw r.error(`required field ${what} is not set`);
}

function tag(r: ThriftReader): KeyValue {
  let key: string | undefined;
  let vType: number | undefined;
  const f: TagFields = { str: '', bool: false, int64: 0n, float64: 0, binary: EMPTY };
  r.struct(({ id, type }) => {
    switch (id) {
      case 1:
        if (type !== TType.STRING) return false;
        key = r.string();
        return true;
      case 2:
        if (type !== TType.I32) return false;
        vType = r.i32();
        return true;
      case 3:
        if (type !== TType.STRING) return false;
        f.str = r.string();
        return true;
      case 4:
        if (type !== TType.DOUBLE) return false;
        f.float64 = r.double();
        return true;
      case 5:
        if (type !== TType.BOOL) return false;
        f.bool = r.bool();
        return true;
      case 6:
        if (type !== TType.I64) return false;
        f.int64 = r.i64();
        return true;
      case 7:
        if (type !== TType.STRING) return false;
        f.binary = r.binary();
        return true;
      default:
        return false;
    }
  });
  required(r, key !== undefined, 'Tag.key');
  required(r, vType !== undefined, 'Tag.vType');
  // thrift's String() of an unknown enum value is <UNSET>
  return { key: key!, value: tagValue(TAG_KINDS[vType!], f, '<UNSET>') };
}

const tags = (r: ThriftReader): KeyValue[] => r.list(TType.STRUCT, () => tag(r));

function log(r: ThriftReader): JaegerLog {
  let timestamp: bigint | undefined;
  let fields: KeyValue[] | undefined;
  r.struct(({ id, type }) => {
    if (id === 1 && type === TType.I64) timestamp = r.i64();
    else if (id === 2 && type === TType.LIST) fields = tags(r);
    else return false;
    return true;
  });
  required(r, timestamp !== undefined, 'Log.timestamp');
  required(r, fields !== undefined, 'Log.fields');
  return { timeUnixNano: BigInt.asUintN(64, timestamp! * 1000n), fields: fields! };
}

function spanRef(r: ThriftReader): JaegerRef {
  let refType = 0;
  let low = 0n;
  let high = 0n;
  let spanId = 0n;
  let seen = 0;
  r.struct(({ id, type }) => {
    if (id === 1 && type === TType.I32) refType = r.i32();
    else if (id === 2 && type === TType.I64) low = r.i64();
    else if (id === 3 && type === TType.I64) high = r.i64();
    else if (id === 4 && type === TType.I64) spanId = r.i64();
    else return false;
    seen |= 1 << id;
    return true;
  });
  required(r, seen === 0b11110, 'SpanRef.refType/traceIdLow/traceIdHigh/spanId');
  return { refType, traceId: traceIdBytes(high, low), spanId: idBytes(spanId) };
}

function span(r: ThriftReader): JaegerSpan {
  let low = 0n;
  let high = 0n;
  let spanId = 0n;
  let parent = 0n;
  let operationName = '';
  let references: JaegerRef[] = [];
  let flags = 0;
  let start = 0n;
  let duration = 0n;
  let spanTags: KeyValue[] = [];
  let logs: JaegerLog[] = [];
  let seen = 0;
  r.struct(({ id, type }) => {
    switch (id) {
      case 1:
        if (type !== TType.I64) return false;
        low = r.i64();
        break;
      case 2:
        if (type !== TType.I64) return false;
        high = r.i64();
        break;
      case 3:
        if (type !== TType.I64) return false;
        spanId = r.i64();
        break;
      case 4:
        if (type !== TType.I64) return false;
        parent = r.i64();
        break;
      case 5:
        if (type !== TType.STRING) return false;
        operationName = r.string();
        break;
      case 6:
        if (type !== TType.LIST) return false;
        references = r.list(TType.STRUCT, () => spanRef(r));
        break;
      case 7:
        if (type !== TType.I32) return false;
        flags = r.i32();
        break;
      case 8:
        if (type !== TType.I64) return false;
        start = r.i64();
        break;
      case 9:
        if (type !== TType.I64) return false;
        duration = r.i64();
        break;
      case 10:
        if (type !== TType.LIST) return false;
        spanTags = tags(r);
        break;
      case 11:
        if (type !== TType.LIST) return false;
        logs = r.list(TType.STRUCT, () => log(r));
        break;
      default:
        return false;
    }
    seen |= 1 << id;
    return true;
  });
  // traceIdLow, traceIdHigh, spanId, parentSpanId, operationName, flags, startTime, duration
  required(r, (seen & 0b1110111110) === 0b1110111110, 'of Span');
  return {
    traceId: traceIdBytes(high, low),
    spanId: idBytes(spanId),
    parentSpanId: idBytes(parent),
    operationName,
    references,
    flags,
    // microseconds, as contrib's microsecondsToUnixNano: uint64(µs) * 1000
    startTimeUnixNano: BigInt.asUintN(64, BigInt.asUintN(64, start) * 1000n),
    durationNano: BigInt.asUintN(64, duration * 1000n),
    tags: spanTags,
    logs,
  };
}

function processOf(r: ThriftReader): JaegerProcess {
  let serviceName: string | undefined;
  let processTags: KeyValue[] | undefined;
  r.struct(({ id, type }) => {
    if (id === 1 && type === TType.STRING) serviceName = r.string();
    else if (id === 2 && type === TType.LIST) processTags = tags(r);
    else return false;
    return true;
  });
  required(r, serviceName !== undefined, 'Process.serviceName');
  return { serviceName: serviceName!, tags: processTags };
}

/** jaeger.thrift's Batch: the body of a thrift_http POST, and the argument of emitBatch. */
export function readBatch(r: ThriftReader): JaegerBatch {
  let process: JaegerProcess | undefined;
  let spans: JaegerSpan[] | undefined;
  r.struct(({ id, type }) => {
    if (id === 1 && type === TType.STRUCT) process = processOf(r);
    else if (id === 2 && type === TType.LIST) spans = r.list(TType.STRUCT, () => span(r));
    else return false;
    return true;
  });
  required(r, process !== undefined, 'Batch.process');
  required(r, spans !== undefined, 'Batch.spans');
  return { process, spans: spans! };
}

/** A whole HTTP body: one Batch and nothing after it. */
export function decodeBatch(r: ThriftReader): JaegerBatch {
  const batch = readBatch(r);
  if (r.remaining !== 0) throw r.error(`${r.remaining} bytes after the batch`);
  return batch;
}

/**
 * One UDP datagram of the agent protocol: a oneway call of Agent.emitBatch(1: Batch batch).
 * emitZipkinBatch (zipkin spans through the agent port) is refused as contrib's agent refuses it.
 */
export function decodeAgentMessage(r: ThriftReader): JaegerBatch {
  const msg = r.messageBegin();
  if (msg.name !== 'emitBatch')
    throw new DecodeError(`unsupported agent call "${msg.name}" (only emitBatch is served)`);
  if (msg.type !== MessageType.ONEWAY && msg.type !== MessageType.CALL)
    throw new DecodeError(`emitBatch message of type ${msg.type}, expected a call`);
  let batch: JaegerBatch | undefined;
  r.struct(({ id, type }) => {
    if (id !== 1 || type !== TType.STRUCT) return false;
    batch = readBatch(r);
    return true;
  });
  if (!batch) throw new DecodeError('emitBatch without its batch argument');
  return batch;
}
