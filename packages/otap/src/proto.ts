// The messages of opentelemetry.proto.experimental.arrow.v1 (otel-arrow's arrow_service.proto):
// BatchArrowRecords from the client, BatchStatus back, on the pdata package's protobuf wire layer.
import { ProtoReader, ProtoWriter, WireType } from '@flowtel/pdata';

/** ArrowPayloadType: one value per OTAP table. */
export const PayloadType = {
  UNKNOWN: 0,
  RESOURCE_ATTRS: 1,
  SCOPE_ATTRS: 2,
  UNIVARIATE_METRICS: 10,
  NUMBER_DATA_POINTS: 11,
  SUMMARY_DATA_POINTS: 12,
  HISTOGRAM_DATA_POINTS: 13,
  EXP_HISTOGRAM_DATA_POINTS: 14,
  NUMBER_DP_ATTRS: 15,
  SUMMARY_DP_ATTRS: 16,
  HISTOGRAM_DP_ATTRS: 17,
  EXP_HISTOGRAM_DP_ATTRS: 18,
  NUMBER_DP_EXEMPLARS: 19,
  HISTOGRAM_DP_EXEMPLARS: 20,
  EXP_HISTOGRAM_DP_EXEMPLARS: 21,
  NUMBER_DP_EXEMPLAR_ATTRS: 22,
  HISTOGRAM_DP_EXEMPLAR_ATTRS: 23,
  EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS: 24,
  MULTIVARIATE_METRICS: 25,
  METRIC_ATTRS: 26,
  LOGS: 30,
  LOG_ATTRS: 31,
  SPANS: 40,
  SPAN_ATTRS: 41,
  SPAN_EVENTS: 42,
  SPAN_LINKS: 43,
  SPAN_EVENT_ATTRS: 44,
  SPAN_LINK_ATTRS: 45,
} as const;
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

export const PAYLOAD_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(PayloadType).map(([name, value]) => [value, name]),
);

/** StatusCode of a BatchStatus: the gRPC codes OTAP uses. */
export const BatchStatusCode = {
  OK: 0,
  CANCELED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ArrowPayload {
  schemaId: string;
  type: number;
  /** one or more encapsulated Arrow IPC messages of the payload type's IPC stream */
  record: Uint8Array;
}

export interface BatchArrowRecords {
  batchId: bigint;
  payloads: ArrowPayload[];
  /** HPACK-encoded headers, empty when none */
  headers: Uint8Array;
}

export interface BatchStatus {
  batchId: bigint;
  statusCode: number;
  statusMessage: string;
}

export function encodeBatchArrowRecords(bar: BatchArrowRecords): Uint8Array {
  let size = 64 + bar.headers.length;
  for (const p of bar.payloads) size += p.record.length + p.schemaId.length * 3 + 16;
  const w = new ProtoWriter(size);
  w.bytesField(3, bar.headers);
  for (let i = bar.payloads.length - 1; i >= 0; i--) {
    const p = bar.payloads[i];
    const end = w.written;
    w.bytesField(3, p.record);
    w.enumField(2, p.type);
    w.stringField(1, p.schemaId);
    w.closeMessage(2, end);
  }
  w.int64Field(1, bar.batchId);
  return w.finish();
}

function decodePayload(r: ProtoReader, end: number): ArrowPayload {
  const p: ArrowPayload = { schemaId: '', type: 0, record: new Uint8Array(0) };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WireType.LEN)) p.schemaId = r.string();
    else if (tag === ((2 << 3) | WireType.VARINT)) p.type = r.int32();
    else if (tag === ((3 << 3) | WireType.LEN)) p.record = r.bytes();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ArrowPayload');
  return p;
}

export function decodeBatchArrowRecords(bytes: Uint8Array): BatchArrowRecords {
  const r = new ProtoReader(bytes);
  const bar: BatchArrowRecords = { batchId: 0n, payloads: [], headers: new Uint8Array(0) };
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WireType.VARINT)) bar.batchId = r.int64();
    else if (tag === ((2 << 3) | WireType.LEN)) {
      const end = r.len();
      bar.payloads.push(decodePayload(r, end));
    } else if (tag === ((3 << 3) | WireType.LEN)) bar.headers = r.bytes();
    else r.skip(tag);
  }
  return bar;
}

export function encodeBatchStatus(s: BatchStatus): Uint8Array {
  const w = new ProtoWriter(64 + s.statusMessage.length * 3);
  w.stringField(3, s.statusMessage);
  w.enumField(2, s.statusCode);
  w.int64Field(1, s.batchId);
  return w.finish();
}

export function decodeBatchStatus(bytes: Uint8Array): BatchStatus {
  const r = new ProtoReader(bytes);
  const s: BatchStatus = { batchId: 0n, statusCode: 0, statusMessage: '' };
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WireType.VARINT)) s.batchId = r.int64();
    else if (tag === ((2 << 3) | WireType.VARINT)) s.statusCode = r.int32();
    else if (tag === ((3 << 3) | WireType.LEN)) s.statusMessage = r.string();
    else r.skip(tag);
  }
  return s;
}
