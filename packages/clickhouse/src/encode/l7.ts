// Request logs of the l7 processor as rows of l7_flow_log, DeepFlow's flow_log.l7_flow_log
// columns that flowtel produces. A record names each field by its DeepFlow column name
// (`request_type`, `ip_0`, `response_duration`, ...) or, failing that, by the OpenTelemetry
// semantic convention that carries the same fact; what no column takes is kept in
// attribute_names / attribute_values, as DeepFlow does.
import { isIPv4, isIPv6 } from 'node:net';
import { isTagAttribute } from '@flowtel/core/smartencoding';
import type { AnyValue, KeyValue, Logs, ScopeLogs } from '@flowtel/pdata';
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
import { IdColumns, L7_ID_COLUMNS, l7ResourceIds, l7RowIds } from './tag-ids.ts';

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

/** DeepFlow column name → the semantic-convention attributes that can stand in for it. */
const FALLBACKS: Record<string, string[]> = {
  ip_0: ['client.address', 'network.peer.address'],
  ip_1: ['server.address', 'network.local.address'],
  client_port: ['client.port', 'network.peer.port'],
  server_port: ['server.port', 'network.local.port'],
  protocol: ['network.transport'],
  l7_protocol: ['l7_protocol_str', 'network.protocol.name'],
  version: ['network.protocol.version'],
  request_type: ['http.request.method', 'db.operation.name', 'rpc.method'],
  request_domain: ['url.domain', 'http.request.header.host'],
  request_resource: ['url.path', 'db.query.text', 'url.full'],
  endpoint: ['http.route', 'rpc.service'],
  response_code: ['http.response.status_code', 'rpc.grpc.status_code', 'dns.response_code'],
  response_exception: ['error.type', 'exception.message'],
  x_request_id_0: ['x_request_id', 'http.request.header.x-request-id'],
  process_id_0: ['process.pid'],
  process_kname_0: ['process.executable.name'],
};

export const L7_FIELDS = [
  'time',
  'start_time',
  'end_time',
  'ip_0',
  'ip_1',
  'client_port',
  'server_port',
  'protocol',
  'l7_protocol',
  'version',
  'type',
  'request_type',
  'request_domain',
  'request_resource',
  'endpoint',
  'request_id',
  'response_status',
  'response_code',
  'response_exception',
  'response_result',
  'x_request_id_0',
  'x_request_id_1',
  'parent_span_id',
  'span_kind',
  'response_duration',
  'request_length',
  'response_length',
  'process_id_0',
  'process_id_1',
  'process_kname_0',
  'process_kname_1',
  'syscall_trace_id_request',
  'syscall_trace_id_response',
  'syscall_thread_0',
  'syscall_thread_1',
  'tap_side',
] as const;
const CONSUMED = new Set<string>([...L7_FIELDS, ...Object.values(FALLBACKS).flat()]);

class L7Columns implements TableColumns {
  rows = 0;
  readonly c: Record<string, NativeColumn> = {};
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];
  constructor(n: number, withIds: boolean) {
    const add = <T extends NativeColumn>(col: T): T => ((this.c[col.name] = col), col);
    this.columns = [
      add(dateTime('time', n)),
      add(dateTime64('start_time', n, 6)),
      add(dateTime64('end_time', n, 6)),
      add(u8('is_ipv4', n)),
      add(new FixedColumn('ip4_0', 'IPv4', n, 4)),
      add(new FixedColumn('ip4_1', 'IPv4', n, 4)),
      add(new FixedColumn('ip6_0', 'IPv6', n, 16)),
      add(new FixedColumn('ip6_1', 'IPv6', n, 16)),
      add(u16('client_port', n)),
      add(u16('server_port', n)),
      add(u8('protocol', n)),
      add(u8('l7_protocol', n)),
      add(new StringColumn('l7_protocol_str', n)),
      add(new StringColumn('tap_side', n)),
      add(new StringColumn('version', n)),
      add(u8('type', n)),
      add(new StringColumn('request_type', n)),
      add(new StringColumn('request_domain', n)),
      add(new StringColumn('request_resource', n)),
      add(new StringColumn('endpoint', n)),
      add(new NullableColumn('request_id', 'UInt64', n, 8)),
      add(u8('response_status', n)),
      add(new NullableColumn('response_code', 'Int32', n, 4)),
      add(new StringColumn('response_exception', n)),
      add(new StringColumn('response_result', n)),
      add(new StringColumn('x_request_id_0', n)),
      add(new StringColumn('x_request_id_1', n)),
      add(new StringColumn('trace_id', n)),
      add(new StringColumn('span_id', n)),
      add(new StringColumn('parent_span_id', n)),
      add(new NullableColumn('span_kind', 'UInt8', n, 1)),
      add(new StringColumn('app_service', n)),
      add(new StringColumn('app_instance', n)),
      add(u64('response_duration', n)),
      add(new NullableColumn('request_length', 'Int64', n, 8)),
      add(new NullableColumn('response_length', 'Int64', n, 8)),
      add(i32('process_id_0', n)),
      add(i32('process_id_1', n)),
      add(new StringColumn('process_kname_0', n)),
      add(new StringColumn('process_kname_1', n)),
      add(u64('syscall_trace_id_request', n)),
      add(u64('syscall_trace_id_response', n)),
      add(u32('syscall_thread_0', n)),
      add(u32('syscall_thread_1', n)),
      add(new ArrayColumn('attribute_names', 'String', n)),
      add(new ArrayColumn('attribute_values', 'String', n)),
    ];
    if (withIds) this.columns.push(...(this.ids = new IdColumns(L7_ID_COLUMNS, n)).columns);
  }
  w(name: string): ByteWriter {
    return (this.c[name] as FixedColumn | StringColumn).w;
  }
  nullable(name: string): NullableColumn {
    return this.c[name] as NullableColumn;
  }
  array(name: string): ArrayColumn {
    return this.c[name] as ArrayColumn;
  }
}

/** One record's attributes by key, with DeepFlow names first and semantic conventions after. */
class Fields {
  private readonly byKey = new Map<string, AnyValue>();
  constructor(attrs: KeyValue[]) {
    for (const kv of attrs) this.byKey.set(kv.key, kv.value);
  }
  get(field: string): AnyValue | undefined {
    const v = this.byKey.get(field);
    if (v) return v;
    for (const alt of FALLBACKS[field] ?? []) {
      const a = this.byKey.get(alt);
      if (a) return a;
    }
    return undefined;
  }
  str(field: string): string {
    const v = this.get(field);
    return v ? anyValueString(v) : '';
  }
  num(field: string): number | undefined {
    const v = this.get(field);
    if (!v) return undefined;
    if ('intValue' in v) return Number(v.intValue);
    if ('doubleValue' in v) return v.doubleValue;
    if ('stringValue' in v && v.stringValue.trim() !== '' && Number.isFinite(Number(v.stringValue)))
      return Number(v.stringValue);
    return undefined;
  }
  big(field: string): bigint | undefined {
    const v = this.get(field);
    if (!v) return undefined;
    if ('intValue' in v) return v.intValue;
    const n = this.num(field);
    return n === undefined ? undefined : BigInt(Math.trunc(n));
  }
  /** What no column takes; SmartEncoding's peer ids have columns of their own. */
  rest(): KeyValue[] {
    const out: KeyValue[] = [];
    for (const [key, value] of this.byKey) if (!CONSUMED.has(key) && !isTagAttribute(key)) out.push({ key, value });
    return out;
  }
}

function writeIp(c: L7Columns, side: 0 | 1, ip: string): void {
  const v4 = c.w(`ip4_${side}`);
  const v6 = c.w(`ip6_${side}`);
  if (isIPv4(ip)) {
    const [a, b, cc, d] = ip.split('.').map(Number);
    v4.u32(((a << 24) | (b << 16) | (cc << 8) | d) >>> 0);
    v6.raw(ZERO16);
    return;
  }
  v4.u32(0);
  v6.raw(isIPv6(ip) ? ipv6Bytes(ip) : ZERO16);
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

function writeNullable<T extends bigint | number>(
  col: NullableColumn,
  value: T | undefined,
  zero: T,
  write: (w: ByteWriter, v: T) => void,
): void {
  col.nulls.u8(value === undefined ? 1 : 0);
  write(col.w, value ?? zero);
}

const US = 1000n;

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
  for (const rl of logs.resourceLogs) {
    const service = serviceNameOf(rl.resource.attributes);
    const ids = withIds ? l7ResourceIds(rl.resource.attributes) : undefined;
    const instance = rl.resource.attributes.find((kv) => kv.key === 'service.instance.id');
    for (const sl of rl.scopeLogs) {
      if (!keep(sl)) continue;
      for (const r of sl.logRecords) {
        const c = sink.current;
        const f = new Fields(r.attributes);
        const start = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
        const durationUs = f.big('response_duration') ?? 0n;
        const end = start + durationUs * US;
        c.w('time').u32(Number(end / 1_000_000_000n));
        c.w('start_time').i64(start / US);
        c.w('end_time').i64(end / US);
        const ip0 = f.str('ip_0');
        const ip1 = f.str('ip_1');
        writeIp(c, 0, ip0);
        writeIp(c, 1, ip1);
        c.w('is_ipv4').u8(isIPv6(ip0) || isIPv6(ip1) ? 0 : 1);
        c.w('client_port').u16((f.num('client_port') ?? 0) & 0xffff);
        c.w('server_port').u16((f.num('server_port') ?? 0) & 0xffff);
        c.w('protocol').u8(IP_PROTOCOL[f.str('protocol').toLowerCase()] ?? (f.num('protocol') ?? 0) & 0xff);
        const proto = f.str('l7_protocol');
        c.w('l7_protocol').u8(L7_PROTOCOLS[proto.toLowerCase()] ?? 0);
        c.w('l7_protocol_str').string(proto);
        c.w('tap_side').string(f.str('tap_side'));
        c.w('version').string(f.str('version'));
        c.w('type').u8(MESSAGE_TYPE[f.str('type')] ?? f.num('type') ?? SESSION);
        c.w('request_type').string(f.str('request_type'));
        c.w('request_domain').string(f.str('request_domain'));
        c.w('request_resource').string(f.str('request_resource'));
        c.w('endpoint').string(f.str('endpoint'));
        writeNullable(c.nullable('request_id'), f.big('request_id'), 0n, (w, v) => w.u64(v));
        c.w('response_status').u8(
          RESPONSE_STATUS[f.str('response_status')] ?? f.num('response_status') ?? RESPONSE_STATUS.unknown,
        );
        writeNullable(c.nullable('response_code'), f.num('response_code'), 0, (w, v) => w.i32(v));
        c.w('response_exception').string(f.str('response_exception'));
        c.w('response_result').string(f.str('response_result'));
        c.w('x_request_id_0').string(f.str('x_request_id_0'));
        c.w('x_request_id_1').string(f.str('x_request_id_1'));
        c.w('trace_id').hexId(r.traceId);
        c.w('span_id').hexId(r.spanId);
        c.w('parent_span_id').string(f.str('parent_span_id'));
        writeNullable(c.nullable('span_kind'), f.num('span_kind'), 0, (w, v) => w.u8(v & 0xff));
        c.w('app_service').string(service);
        c.w('app_instance').string(instance ? anyValueString(instance.value) : '');
        c.w('response_duration').u64(durationUs > 0n ? durationUs : 0n);
        writeNullable(c.nullable('request_length'), f.big('request_length'), 0n, (w, v) => w.i64(v));
        writeNullable(c.nullable('response_length'), f.big('response_length'), 0n, (w, v) => w.i64(v));
        c.w('process_id_0').i32(f.num('process_id_0') ?? 0);
        c.w('process_id_1').i32(f.num('process_id_1') ?? 0);
        c.w('process_kname_0').string(f.str('process_kname_0'));
        c.w('process_kname_1').string(f.str('process_kname_1'));
        c.w('syscall_trace_id_request').u64(f.big('syscall_trace_id_request') ?? 0n);
        c.w('syscall_trace_id_response').u64(f.big('syscall_trace_id_response') ?? 0n);
        c.w('syscall_thread_0').u32(f.num('syscall_thread_0') ?? 0);
        c.w('syscall_thread_1').u32(f.num('syscall_thread_1') ?? 0);
        const rest = f.rest();
        const names = c.array('attribute_names');
        const values = c.array('attribute_values');
        for (const kv of rest) {
          names.items.string(kv.key);
          values.items.string(anyValueString(kv.value));
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
