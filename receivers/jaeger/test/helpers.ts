// What the jaeger receiver tests share: a receiver started on ephemeral ports with a consumer
// the test steers, and jaeger.thrift batches written by Apache Thrift's own protocol encoders.
import { createRequire } from 'node:module';
import type { BatchInput, Consumer } from '@flowtel/core';
import type { Span, Traces } from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import type { JaegerReceiver } from '../src/jaeger.ts';

export const require = createRequire(import.meta.url);

export class TestConsumer implements Consumer {
  received: BatchInput[] = [];
  answer: (batch: BatchInput) => Promise<void> = async () => {};
  consume(batch: BatchInput): Promise<void> {
    this.received.push(batch);
    return this.answer(batch);
  }

  get traces(): Traces[] {
    return this.received.map((b) => b.data as Traces);
  }

  get spans(): Span[] {
    return this.traces.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  }
}

export async function startJaeger(
  protocols: Record<string, unknown>,
): Promise<{ receiver: JaegerReceiver; consumer: TestConsumer }> {
  const config = factory.configSchema.parse({ protocols });
  const consumer = new TestConsumer();
  const receiver = factory.createReceiver(testSettings('jaeger', 'receiver'), config, {
    traces: consumer,
  }) as JaegerReceiver;
  await receiver.start();
  return { receiver, consumer };
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The attributes as a plain object of JS values (bigint for ints). */
export function attrs(kvs: { key: string; value: Record<string, unknown> }[]): Record<string, unknown> {
  return Object.fromEntries(kvs.map((kv) => [kv.key, Object.values(kv.value)[0]]));
}

// ---- jaeger.thrift through Apache Thrift's node library (the `thrift` package) ----

const thrift = require('thrift');
const Int64 = require('node-int64');
const T = thrift.Thrift.Type;

export interface ThriftTag {
  key: string;
  vType: number;
  vStr?: string;
  vDouble?: number;
  vBool?: boolean;
  vLong?: number;
  vBinary?: Buffer;
}

export interface ThriftSpan {
  traceIdLow: string;
  traceIdHigh: string;
  spanId: string;
  parentSpanId: string;
  operationName: string;
  references?: { refType: number; traceIdLow: string; traceIdHigh: string; spanId: string }[];
  flags: number;
  startTime: number;
  duration: number;
  tags?: ThriftTag[];
  logs?: { timestamp: number; fields: ThriftTag[] }[];
}

export interface ThriftBatch {
  process: { serviceName: string; tags?: ThriftTag[] };
  spans: ThriftSpan[];
}

type Protocol = {
  writeStructBegin(n: string): void;
  writeStructEnd(): void;
  writeFieldBegin(n: string, t: number, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeListBegin(t: number, n: number): void;
  writeListEnd(): void;
  writeString(s: string): void;
  writeBinary(b: Buffer): void;
  writeI32(n: number): void;
  writeI64(n: number | object): void;
  writeDouble(n: number): void;
  writeBool(b: boolean): void;
  writeMessageBegin(n: string, t: number, s: number): void;
  writeMessageEnd(): void;
};

/** hex ids as thrift's i64 (node-int64 takes the two's complement bits) */
const i64 = (hexId: string) => new Int64(`0x${hexId.padStart(16, '0')}`);

function field(p: Protocol, name: string, type: number, id: number, write: () => void): void {
  p.writeFieldBegin(name, type, id);
  write();
  p.writeFieldEnd();
}

function struct(p: Protocol, name: string, body: () => void): void {
  p.writeStructBegin(name);
  body();
  p.writeFieldStop();
  p.writeStructEnd();
}

function list<X>(p: Protocol, items: X[], write: (x: X) => void): void {
  p.writeListBegin(T.STRUCT, items.length);
  for (const x of items) write(x);
  p.writeListEnd();
}

function writeTag(p: Protocol, tag: ThriftTag): void {
  struct(p, 'Tag', () => {
    field(p, 'key', T.STRING, 1, () => p.writeString(tag.key));
    field(p, 'vType', T.I32, 2, () => p.writeI32(tag.vType));
    if (tag.vStr !== undefined) field(p, 'vStr', T.STRING, 3, () => p.writeString(tag.vStr!));
    if (tag.vDouble !== undefined) field(p, 'vDouble', T.DOUBLE, 4, () => p.writeDouble(tag.vDouble!));
    if (tag.vBool !== undefined) field(p, 'vBool', T.BOOL, 5, () => p.writeBool(tag.vBool!));
    if (tag.vLong !== undefined) field(p, 'vLong', T.I64, 6, () => p.writeI64(tag.vLong!));
    if (tag.vBinary !== undefined) field(p, 'vBinary', T.STRING, 7, () => p.writeBinary(tag.vBinary!));
  });
}

function writeSpan(p: Protocol, s: ThriftSpan): void {
  struct(p, 'Span', () => {
    field(p, 'traceIdLow', T.I64, 1, () => p.writeI64(i64(s.traceIdLow)));
    field(p, 'traceIdHigh', T.I64, 2, () => p.writeI64(i64(s.traceIdHigh)));
    field(p, 'spanId', T.I64, 3, () => p.writeI64(i64(s.spanId)));
    field(p, 'parentSpanId', T.I64, 4, () => p.writeI64(i64(s.parentSpanId)));
    field(p, 'operationName', T.STRING, 5, () => p.writeString(s.operationName));
    if (s.references)
      field(p, 'references', T.LIST, 6, () =>
        list(p, s.references!, (r) =>
          struct(p, 'SpanRef', () => {
            field(p, 'refType', T.I32, 1, () => p.writeI32(r.refType));
            field(p, 'traceIdLow', T.I64, 2, () => p.writeI64(i64(r.traceIdLow)));
            field(p, 'traceIdHigh', T.I64, 3, () => p.writeI64(i64(r.traceIdHigh)));
            field(p, 'spanId', T.I64, 4, () => p.writeI64(i64(r.spanId)));
          }),
        ),
      );
    field(p, 'flags', T.I32, 7, () => p.writeI32(s.flags));
    field(p, 'startTime', T.I64, 8, () => p.writeI64(s.startTime));
    field(p, 'duration', T.I64, 9, () => p.writeI64(s.duration));
    if (s.tags) field(p, 'tags', T.LIST, 10, () => list(p, s.tags!, (t) => writeTag(p, t)));
    if (s.logs)
      field(p, 'logs', T.LIST, 11, () =>
        list(p, s.logs!, (l) =>
          struct(p, 'Log', () => {
            field(p, 'timestamp', T.I64, 1, () => p.writeI64(l.timestamp));
            field(p, 'fields', T.LIST, 2, () => list(p, l.fields, (t) => writeTag(p, t)));
          }),
        ),
      );
  });
}

function writeBatch(p: Protocol, b: ThriftBatch): void {
  struct(p, 'Batch', () => {
    field(p, 'process', T.STRUCT, 1, () =>
      struct(p, 'Process', () => {
        field(p, 'serviceName', T.STRING, 1, () => p.writeString(b.process.serviceName));
        if (b.process.tags) field(p, 'tags', T.LIST, 2, () => list(p, b.process.tags!, (t) => writeTag(p, t)));
      }),
    );
    field(p, 'spans', T.LIST, 2, () => list(p, b.spans, (s) => writeSpan(p, s)));
  });
}

function encode(protocol: 'binary' | 'compact', write: (p: Protocol) => void): Buffer {
  let out: Buffer | undefined;
  const transport = new thrift.TBufferedTransport(undefined, (buf: Buffer) => {
    out = out ? Buffer.concat([out, buf]) : buf;
  });
  const p = new (protocol === 'compact' ? thrift.TCompactProtocol : thrift.TBinaryProtocol)(transport);
  write(p);
  transport.flush();
  return out!;
}

/** A Batch alone, as thrift_http's body. */
export const thriftBatch = (b: ThriftBatch, protocol: 'binary' | 'compact' = 'binary') =>
  encode(protocol, (p) => writeBatch(p, b));

/** Agent.emitBatch(batch) as one oneway message: a UDP datagram of the agent protocol. */
export const emitBatch = (b: ThriftBatch, protocol: 'binary' | 'compact', name = 'emitBatch') =>
  encode(protocol, (p) => {
    p.writeMessageBegin(name, thrift.Thrift.MessageType.ONEWAY, 1);
    struct(p, 'emitBatch_args', () => field(p, 'batch', T.STRUCT, 1, () => writeBatch(p, b)));
    p.writeMessageEnd();
  });
