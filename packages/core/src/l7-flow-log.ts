// The request log's columns, the contract between the l7 processor that makes request logs and
// the stores that write DeepFlow's flow_log.l7_flow_log. A record names each field by its
// DeepFlow column name (`request_type`, `ip_0`, `response_duration`, ...) or, failing that, by
// the OpenTelemetry semantic convention that carries the same fact; what no column takes is
// kept in attribute_names / attribute_values, as DeepFlow does. The l7 processor also hands its
// request logs over as these columns (L7FlowLogColumns), so that a store writes them without a
// log record or an attribute list per request; the log records are made only for a consumer
// that reads them.
import { deferredForm, type ScopeLogs } from '@flowtel/pdata';

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
export type L7Field = (typeof L7_FIELDS)[number];
/** A field's slot: its index in L7_FIELDS. */
export const L7_SLOT = Object.fromEntries(L7_FIELDS.map((f, i) => [f, i])) as Record<L7Field, number>;

/** DeepFlow column name → the semantic-convention attributes that can stand in for it. */
const FALLBACKS: Partial<Record<L7Field, string[]>> = {
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

/**
 * Every attribute key a column reads → the slots it fills, rank 0 for the DeepFlow name and 1..
 * for the semantic conventions in FALLBACKS order: a record's attributes are looked up once
 * each, rather than every column trying its names.
 */
const FIELD_KEYS = new Map<string, Array<{ slot: number; rank: number }>>();
function addKey(key: string, slot: number, rank: number): void {
  const targets = FIELD_KEYS.get(key);
  if (targets) targets.push({ slot, rank });
  else FIELD_KEYS.set(key, [{ slot, rank }]);
}
L7_FIELDS.forEach((field, slot) => addKey(field, slot, 0));
for (const [field, alts] of Object.entries(FALLBACKS))
  alts.forEach((alt, i) => addKey(alt, L7_SLOT[field as L7Field], i + 1));

/**
 * One record's attribute values by field slot, DeepFlow names first and semantic conventions
 * after. One instance is cleared and refilled for every record.
 */
export class L7FieldSlots<V> {
  readonly values = new Array<V | undefined>(L7_FIELDS.length).fill(undefined);
  private readonly ranks = new Uint8Array(L7_FIELDS.length);
  clear(): void {
    this.values.fill(undefined);
  }
  /** Takes an attribute into the slots its key fills; false when no column takes the key. */
  offer(key: string, value: V): boolean {
    const targets = FIELD_KEYS.get(key);
    if (targets === undefined) return false;
    const values = this.values;
    for (let t = 0; t < targets.length; t++) {
      const { slot, rank } = targets[t];
      // the last of equal rank wins, as a Map of the attributes would have it
      if (values[slot] === undefined || rank <= this.ranks[slot]) {
        values[slot] = value;
        this.ranks[slot] = rank;
      }
    }
    return true;
  }
}

/** An attribute value as the l7 processor makes it. */
export type L7Value = string | number | boolean;

/**
 * The request logs of one scope as columns: what a store reads instead of the log records,
 * which hold the same facts (each row is the record that the scope's logRecords would give).
 */
export interface L7FlowLogColumns {
  readonly rows: number;
  /** the record's time (its request's first byte) in microseconds since the epoch */
  readonly startUs: number[];
  readonly traceId: Uint8Array[];
  readonly spanId: Uint8Array[];
  /**
   * Per slot of L7_FIELDS, each row's value as L7FieldSlots resolved the record's attributes
   * (undefined where it has none); a slot no row fills has no array.
   */
  readonly fields: Array<Array<L7Value | undefined> | undefined>;
  /** the attributes no column takes, in the record's order: row i's are [restEnds[i - 1], restEnds[i]) */
  readonly restKeys: string[];
  readonly restValues: L7Value[];
  readonly restEnds: number[];
}

/** The columns of a scope of request logs whose records nobody has read yet. */
export const l7FlowLogColumns = (scope: ScopeLogs): L7FlowLogColumns | undefined =>
  deferredForm(scope) as L7FlowLogColumns | undefined;
