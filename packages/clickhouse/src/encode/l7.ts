// Request logs of the l7 processor as rows of l7_flow_log, DeepFlow's flow_log.l7_flow_log
// columns that flowtel produces (the fields and how attributes fill them: core's l7-flow-log).
// A scope the l7 processor handed over as columns is written from them; any other (log records
// from elsewhere, or read by someone on the way) from its records' attributes. Both give the
// same rows.
import { isIPv6 } from 'node:net';
import { isTagAttribute } from '@flowtel/core/smartencoding';
import {
  L7FieldSlots,
  L7_SLOT as F,
  l7FlowLogColumns,
  type L7FlowLogColumns,
  type L7Value,
} from '@flowtel/core/l7-flow-log';
import { toAnyValue, type AnyValue, type KeyValue, type Logs, type ScopeLogs } from '@flowtel/pdata';
import { anyValueString, serviceNameOf } from '../anyvalue.ts';
import type { ByteWriter } from '../bytes.ts';
import {
  ArrayColumn,
  FixedColumn,
  NullableColumn,
  StringColumn,
  dateTime,
  dateTime64,
  i32,
  u16,
  u32,
  u64,
  u8,
  type NativeColumn,
} from '../native.ts';
import { BlockSink, Pools, type Block, type Limits, type TableColumns } from './block.ts';
import { IdColumns, L7_ID_COLUMNS, l7ResourceIds, l7RowIds, l7RowIdsOf, type L7ResourceIds } from './tag-ids.ts';

/** DeepFlow's l7_protocol numbers; l7_protocol_str keeps the name for any protocol. */
const L7_PROTOCOLS: Record<string, number> = {
  http: 20,
  http1: 20,
  'http/1.1': 20,
  http2: 21,
  'http/2': 21,
  dubbo: 40,
  grpc: 41,
  sofarpc: 43,
  fastcgi: 44,
  brpc: 45,
  mysql: 60,
  postgresql: 61,
  oracle: 62,
  redis: 80,
  mongodb: 81,
  kafka: 100,
  mqtt: 101,
  amqp: 102,
  openwire: 103,
  nats: 104,
  pulsar: 105,
  zmtp: 106,
  rocketmq: 107,
  dns: 120,
  tls: 121,
};

/** DeepFlow's response_status codes (a generic error counts as the server's). */
const RESPONSE_STATUS: Record<string, number> = {
  ok: 0,
  timeout: 2,
  server_error: 3,
  error: 3,
  client_error: 4,
  unknown: 5,
  parse_failed: 6,
};
/** DeepFlow's type: a request log pairs a request with its response, a session. */
const MESSAGE_TYPE: Record<string, number> = { request: 0, response: 1, session: 2 };
const SESSION = 2;
const IP_PROTOCOL: Record<string, number> = { tcp: 6, udp: 17 };

/** The columns of one block, each held by name so that a row costs no lookups. */
class L7Columns implements TableColumns {
  rows = 0;
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];
  readonly time: FixedColumn;
  readonly startTime: FixedColumn;
  readonly endTime: FixedColumn;
  readonly isIpv4: FixedColumn;
  readonly ip4: [FixedColumn, FixedColumn];
  readonly ip6: [FixedColumn, FixedColumn];
  readonly clientPort: FixedColumn;
  readonly serverPort: FixedColumn;
  readonly protocol: FixedColumn;
  readonly l7Protocol: FixedColumn;
  readonly l7ProtocolStr: StringColumn;
  readonly tapSide: StringColumn;
  readonly version: StringColumn;
  readonly type: FixedColumn;
  readonly requestType: StringColumn;
  readonly requestDomain: StringColumn;
  readonly requestResource: StringColumn;
  readonly endpoint: StringColumn;
  readonly requestId: NullableColumn;
  readonly responseStatus: FixedColumn;
  readonly responseCode: NullableColumn;
  readonly responseException: StringColumn;
  readonly responseResult: StringColumn;
  readonly xRequestId0: StringColumn;
  readonly xRequestId1: StringColumn;
  readonly traceId: StringColumn;
  readonly spanId: StringColumn;
  readonly parentSpanId: StringColumn;
  readonly spanKind: NullableColumn;
  readonly appService: StringColumn;
  readonly appInstance: StringColumn;
  readonly responseDuration: FixedColumn;
  readonly requestLength: NullableColumn;
  readonly responseLength: NullableColumn;
  readonly processId0: FixedColumn;
  readonly processId1: FixedColumn;
  readonly processKname0: StringColumn;
  readonly processKname1: StringColumn;
  readonly syscallTraceIdRequest: FixedColumn;
  readonly syscallTraceIdResponse: FixedColumn;
  readonly syscallThread0: FixedColumn;
  readonly syscallThread1: FixedColumn;
  readonly attributeNames: ArrayColumn;
  readonly attributeValues: ArrayColumn;
  constructor(n: number, withIds: boolean) {
    this.time = dateTime('time', n);
    this.l7ProtocolStr = new StringColumn('l7_protocol_str', n);
    this.tapSide = new StringColumn('tap_side', n);
    this.version = new StringColumn('version', n);
    this.requestType = new StringColumn('request_type', n);
    this.requestDomain = new StringColumn('request_domain', n);
    this.requestResource = new StringColumn('request_resource', n);
    this.endpoint = new StringColumn('endpoint', n);
    this.responseException = new StringColumn('response_exception', n);
    this.responseResult = new StringColumn('response_result', n);
    this.xRequestId0 = new StringColumn('x_request_id_0', n);
    this.xRequestId1 = new StringColumn('x_request_id_1', n);
    this.traceId = new StringColumn('trace_id', n);
    this.spanId = new StringColumn('span_id', n);
    this.parentSpanId = new StringColumn('parent_span_id', n);
    this.appService = new StringColumn('app_service', n);
    this.appInstance = new StringColumn('app_instance', n);
    this.processKname0 = new StringColumn('process_kname_0', n);
    this.processKname1 = new StringColumn('process_kname_1', n);
    this.startTime = dateTime64('start_time', n, 6);
    this.endTime = dateTime64('end_time', n, 6);
    this.isIpv4 = u8('is_ipv4', n);
    this.ip4 = [new FixedColumn('ip4_0', 'IPv4', n, 4), new FixedColumn('ip4_1', 'IPv4', n, 4)];
    this.ip6 = [new FixedColumn('ip6_0', 'IPv6', n, 16), new FixedColumn('ip6_1', 'IPv6', n, 16)];
    this.clientPort = u16('client_port', n);
    this.serverPort = u16('server_port', n);
    this.protocol = u8('protocol', n);
    this.l7Protocol = u8('l7_protocol', n);
    this.type = u8('type', n);
    this.requestId = new NullableColumn('request_id', 'UInt64', n, 8);
    this.responseStatus = u8('response_status', n);
    this.responseCode = new NullableColumn('response_code', 'Int32', n, 4);
    this.spanKind = new NullableColumn('span_kind', 'UInt8', n, 1);
    this.responseDuration = u64('response_duration', n);
    this.requestLength = new NullableColumn('request_length', 'Int64', n, 8);
    this.responseLength = new NullableColumn('response_length', 'Int64', n, 8);
    this.processId0 = i32('process_id_0', n);
    this.processId1 = i32('process_id_1', n);
    this.syscallTraceIdRequest = u64('syscall_trace_id_request', n);
    this.syscallTraceIdResponse = u64('syscall_trace_id_response', n);
    this.syscallThread0 = u32('syscall_thread_0', n);
    this.syscallThread1 = u32('syscall_thread_1', n);
    this.attributeNames = new ArrayColumn('attribute_names', 'String', n);
    this.attributeValues = new ArrayColumn('attribute_values', 'String', n);
    this.columns = [
      this.time,
      this.startTime,
      this.endTime,
      this.isIpv4,
      ...this.ip4,
      ...this.ip6,
      this.clientPort,
      this.serverPort,
      this.protocol,
      this.l7Protocol,
      this.l7ProtocolStr,
      this.tapSide,
      this.version,
      this.type,
      this.requestType,
      this.requestDomain,
      this.requestResource,
      this.endpoint,
      this.requestId,
      this.responseStatus,
      this.responseCode,
      this.responseException,
      this.responseResult,
      this.xRequestId0,
      this.xRequestId1,
      this.traceId,
      this.spanId,
      this.parentSpanId,
      this.spanKind,
      this.appService,
      this.appInstance,
      this.responseDuration,
      this.requestLength,
      this.responseLength,
      this.processId0,
      this.processId1,
      this.processKname0,
      this.processKname1,
      this.syscallTraceIdRequest,
      this.syscallTraceIdResponse,
      this.syscallThread0,
      this.syscallThread1,
      this.attributeNames,
      this.attributeValues,
    ];
    if (withIds) this.columns.push(...(this.ids = new IdColumns(L7_ID_COLUMNS, n)).columns);
  }
}

/** A row's field values by slot, read as the column types want them. */
interface FieldReader {
  /** a UInt64 without BigInt arithmetic where the value is a small integer; else undefined */
  smallU64(slot: number): number | undefined;
  str(slot: number): string;
  num(slot: number): number | undefined;
  big(slot: number): bigint | undefined;
}

/** A number in text, as an attribute map would hold it; undefined for anything else. */
function numberOfText(s: string): number | undefined {
  return s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined;
}

/**
 * One record's attributes by field slot, and what no column takes. One instance is refilled
 * for every record.
 */
class Fields implements FieldReader {
  private readonly slots = new L7FieldSlots<AnyValue>();
  /** What no column takes; SmartEncoding's peer ids have columns of their own. */
  readonly rest: KeyValue[] = [];
  read(attrs: KeyValue[]): void {
    this.slots.clear();
    this.rest.length = 0;
    for (let i = 0; i < attrs.length; i++) {
      const kv = attrs[i];
      if (!this.slots.offer(kv.key, kv.value) && !isTagAttribute(kv.key)) this.rest.push(kv);
    }
  }
  smallU64(slot: number): number | undefined {
    const v = this.slots.values[slot];
    if (v === undefined || !('intValue' in v)) return undefined;
    const n = v.intValue;
    return n >= 0n && n <= MAX_SAFE ? Number(n) : undefined;
  }
  str(slot: number): string {
    const v = this.slots.values[slot];
    if (v === undefined) return '';
    return 'stringValue' in v ? v.stringValue : anyValueString(v);
  }
  num(slot: number): number | undefined {
    const v = this.slots.values[slot];
    if (v === undefined) return undefined;
    if ('intValue' in v) return Number(v.intValue);
    if ('doubleValue' in v) return v.doubleValue;
    if ('stringValue' in v) return numberOfText(v.stringValue);
    return undefined;
  }
  big(slot: number): bigint | undefined {
    const v = this.slots.values[slot];
    if (v === undefined) return undefined;
    if ('intValue' in v) return v.intValue;
    const n = this.num(slot);
    return n === undefined ? undefined : BigInt(Math.trunc(n));
  }
}

/** An l7 value as text, as its attribute's AnyValue reads (an integer's decimal digits). */
function valueText(v: L7Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return anyValueString(toAnyValue(v));
}

/**
 * A row of a scope the l7 processor handed over as columns, read as Fields reads the same
 * record's attributes: a number is the intValue (or doubleValue) its attribute would be.
 */
class ColumnFields implements FieldReader {
  private cols!: L7FlowLogColumns;
  row = 0;
  of(cols: L7FlowLogColumns): this {
    this.cols = cols;
    return this;
  }
  private value(slot: number): L7Value | undefined {
    return this.cols.fields[slot]?.[this.row];
  }
  smallU64(slot: number): number | undefined {
    const v = this.value(slot);
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  }
  str(slot: number): string {
    const v = this.value(slot);
    return v === undefined ? '' : valueText(v);
  }
  num(slot: number): number | undefined {
    const v = this.value(slot);
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return numberOfText(v);
    return undefined;
  }
  big(slot: number): bigint | undefined {
    const v = this.value(slot);
    if (typeof v === 'number') return BigInt(Math.trunc(v));
    const n = this.num(slot);
    return n === undefined ? undefined : BigInt(Math.trunc(n));
  }
}

/**
 * A dotted-quad IPv4 address as a number, or -1 for anything else (what node's isIPv4 refuses,
 * leading zeros included): the common case without a regular expression per address.
 */
function ipv4Number(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : -1;
}

/** Writes one end's address; whether it is IPv6. */
function writeIp(c: L7Columns, side: 0 | 1, ip: string): boolean {
  const v4 = ipv4Number(ip);
  if (v4 >= 0) {
    c.ip4[side].w.u32(v4);
    c.ip6[side].w.raw(ZERO16);
    return false;
  }
  c.ip4[side].w.u32(0);
  const v6 = ip !== '' && isIPv6(ip);
  c.ip6[side].w.raw(v6 ? ipv6Bytes(ip) : ZERO16);
  return v6;
}

const ZERO16 = new Uint8Array(16);

function ipv6Bytes(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail.push(...v4[1].split('.').map(Number));
    text = text.slice(0, -v4[1].length) + '0:0';
  }
  const [head, rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

/** A Nullable 64-bit field: a small value (lengths, most ids) without making a BigInt. */
function nullableU64(col: NullableColumn, f: FieldReader, slot: number, signed: boolean): void {
  const small = f.smallU64(slot);
  if (small !== undefined) {
    col.nulls.u8(0);
    col.w.u64n(small);
    return;
  }
  const v = f.big(slot);
  col.nulls.u8(v === undefined ? 1 : 0);
  if (v === undefined) col.w.u64n(0);
  else if (v >= 0n && v <= MAX_SAFE) col.w.u64n(Number(v));
  else if (signed) col.w.i64(v);
  else col.w.u64(v);
}

/** A UInt64 from a field: the common small value without BigInt arithmetic. */
function u64Field(w: ByteWriter, f: FieldReader, slot: number): void {
  const small = f.smallU64(slot);
  if (small !== undefined) return w.u64n(small);
  const v = f.big(slot);
  if (v === undefined) w.u64n(0);
  else w.u64(v);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const US = 1000n;

/** Writes one row's columns but its attribute map and ids; `startUs` is its time in microseconds. */
function writeRow(
  c: L7Columns,
  f: FieldReader,
  startUs: number,
  traceId: Uint8Array,
  spanId: Uint8Array,
  service: string,
  instance: string,
): void {
  // microseconds of a duration are a small integer: BigInt only for what is not
  const small = f.smallU64(F.response_duration);
  const duration = small === undefined ? (f.big(F.response_duration) ?? 0n) : undefined;
  const durationUs = small ?? Number(duration);
  const endUs = startUs + durationUs;
  c.time.w.u32(Math.floor(endUs / 1_000_000));
  c.startTime.w.u64n(startUs);
  if (endUs >= 0) c.endTime.w.u64n(endUs);
  else c.endTime.w.i64(BigInt(endUs));
  const v6 = writeIp(c, 0, f.str(F.ip_0));
  const v6peer = writeIp(c, 1, f.str(F.ip_1));
  c.isIpv4.w.u8(v6 || v6peer ? 0 : 1);
  c.clientPort.w.u16((f.num(F.client_port) ?? 0) & 0xffff);
  c.serverPort.w.u16((f.num(F.server_port) ?? 0) & 0xffff);
  c.protocol.w.u8(IP_PROTOCOL[f.str(F.protocol).toLowerCase()] ?? (f.num(F.protocol) ?? 0) & 0xff);
  const proto = f.str(F.l7_protocol);
  c.l7Protocol.w.u8(L7_PROTOCOLS[proto.toLowerCase()] ?? 0);
  c.l7ProtocolStr.w.string(proto);
  c.tapSide.w.string(f.str(F.tap_side));
  c.version.w.string(f.str(F.version));
  c.type.w.u8(MESSAGE_TYPE[f.str(F.type)] ?? f.num(F.type) ?? SESSION);
  c.requestType.w.string(f.str(F.request_type));
  c.requestDomain.w.string(f.str(F.request_domain));
  c.requestResource.w.string(f.str(F.request_resource));
  c.endpoint.w.string(f.str(F.endpoint));
  nullableU64(c.requestId, f, F.request_id, false);
  c.responseStatus.w.u8(
    RESPONSE_STATUS[f.str(F.response_status)] ?? f.num(F.response_status) ?? RESPONSE_STATUS.unknown,
  );
  const code = f.num(F.response_code);
  c.responseCode.nulls.u8(code === undefined ? 1 : 0);
  c.responseCode.w.i32(code ?? 0);
  c.responseException.w.string(f.str(F.response_exception));
  c.responseResult.w.string(f.str(F.response_result));
  c.xRequestId0.w.string(f.str(F.x_request_id_0));
  c.xRequestId1.w.string(f.str(F.x_request_id_1));
  c.traceId.w.hexId(traceId);
  c.spanId.w.hexId(spanId);
  c.parentSpanId.w.string(f.str(F.parent_span_id));
  const kind = f.num(F.span_kind);
  c.spanKind.nulls.u8(kind === undefined ? 1 : 0);
  c.spanKind.w.u8((kind ?? 0) & 0xff);
  c.appService.w.string(service);
  c.appInstance.w.string(instance);
  if (duration === undefined) c.responseDuration.w.u64n(durationUs);
  else if (duration > 0n) {
    if (durationUs <= Number.MAX_SAFE_INTEGER) c.responseDuration.w.u64n(durationUs);
    else c.responseDuration.w.u64(duration);
  } else c.responseDuration.w.u64n(0);
  nullableU64(c.requestLength, f, F.request_length, true);
  nullableU64(c.responseLength, f, F.response_length, true);
  c.processId0.w.i32(f.num(F.process_id_0) ?? 0);
  c.processId1.w.i32(f.num(F.process_id_1) ?? 0);
  c.processKname0.w.string(f.str(F.process_kname_0));
  c.processKname1.w.string(f.str(F.process_kname_1));
  u64Field(c.syscallTraceIdRequest.w, f, F.syscall_trace_id_request);
  u64Field(c.syscallTraceIdResponse.w, f, F.syscall_trace_id_response);
  c.syscallThread0.w.u32(f.num(F.syscall_thread_0) ?? 0);
  c.syscallThread1.w.u32(f.num(F.syscall_thread_1) ?? 0);
}

/** The rows of a scope the l7 processor handed over as columns. */
function writeColumns(
  sink: BlockSink<L7Columns>,
  cols: L7FlowLogColumns,
  f: ColumnFields,
  service: string,
  instance: string,
  ids: L7ResourceIds | undefined,
  withIds: boolean,
): void {
  const { restKeys, restValues, restEnds } = cols;
  // a row's ids depend on its resource and its tap side only, and a process is mostly one side
  let side: string | undefined;
  let sideIds: readonly bigint[] = [];
  let at = 0;
  for (let row = 0; row < cols.rows; row++) {
    const c = sink.current;
    f.row = row;
    writeRow(c, f, cols.startUs[row], cols.traceId[row], cols.spanId[row], service, instance);
    const end = restEnds[row];
    for (let i = at; i < end; i++) {
      c.attributeNames.items.string(restKeys[i]);
      c.attributeValues.items.string(valueText(restValues[i]));
    }
    c.attributeNames.endRow(end - at);
    c.attributeValues.endRow(end - at);
    at = end;
    // the processor hands over no peer ids: its records get them only once someone reads them
    if (withIds) {
      const tapSide = f.str(F.tap_side);
      if (tapSide !== side) sideIds = l7RowIdsOf(ids, (side = tapSide));
      c.ids!.write(sideIds);
    }
    sink.rowDone();
  }
}

/** `withIds`: the block has SmartEncoding's id columns of both ends (some resource of the batch is encoded). */
export function encodeL7(
  logs: Logs,
  table: string,
  limits: Limits,
  rowsHint: number,
  keep: (scope: ScopeLogs) => boolean,
  pools = new Pools(),
  withIds = false,
): Block[] {
  const sink = new BlockSink(
    table,
    pools.get(`l7:${table}:${withIds}`, (n) => new L7Columns(n, withIds)),
    limits,
    rowsHint,
  );
  const fields = new Fields();
  const columnFields = new ColumnFields();
  for (const rl of logs.resourceLogs) {
    const service = serviceNameOf(rl.resource.attributes);
    const ids = withIds ? l7ResourceIds(rl.resource.attributes) : undefined;
    const instanceKv = rl.resource.attributes.find((kv) => kv.key === 'service.instance.id');
    const instance = instanceKv ? anyValueString(instanceKv.value) : '';
    for (const sl of rl.scopeLogs) {
      if (!keep(sl)) continue;
      const cols = l7FlowLogColumns(sl);
      if (cols) {
        writeColumns(sink, cols, columnFields.of(cols), service, instance, ids, withIds);
        continue;
      }
      for (const r of sl.logRecords) {
        const c = sink.current;
        const f = fields;
        f.read(r.attributes);
        const start = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
        // microseconds fit a double exactly; one BigInt division per row instead of four
        writeRow(c, f, Number(start / US), r.traceId, r.spanId, service, instance);
        const rest = f.rest;
        const names = c.attributeNames;
        const values = c.attributeValues;
        for (let i = 0; i < rest.length; i++) {
          names.items.string(rest[i].key);
          values.items.string(anyValueString(rest[i].value));
        }
        names.endRow(rest.length);
        values.endRow(rest.length);
        if (withIds) c.ids!.write(l7RowIds(ids, r.attributes));
        sink.rowDone();
      }
    }
  }
  return sink.blocks();
}
