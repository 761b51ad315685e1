// Request logs: one record per request/response pair, carrying the fields of DeepFlow's
// flow_log.l7_flow_log under their column names (what the ClickHouse request-log table
// stores), beside the semantic-convention attributes the spans have. The records of a process
// are handed on as l7_flow_log's columns (core's l7-flow-log), and made as log records only
// when a consumer reads them: a store that writes the columns never needs a record object or
// an attribute list per request.
import {
  attr,
  deferItems,
  newLogRecord,
  newResource,
  newScope,
  sharedAttr,
  type KeyValue,
  type LogRecord,
  type Logs,
  type ResourceLogs,
  type ScopeLogs,
} from '@flowtel/pdata';
import { L7FieldSlots, L7_FIELDS, type L7FlowLogColumns, type L7Value } from '@flowtel/core/l7-flow-log';
import { isTagAttribute } from '@flowtel/core/smartencoding';
import { clientSide, isServer, serverSide, type L7Record } from '../record.ts';
import {
  SCOPE_NAME,
  SCOPE_VERSION,
  byProcess,
  resourceAttributes,
  spanAttributes,
  spanName,
  visitSpanAttributes,
} from './describe.ts';

/** DeepFlow's response_status codes (a protocol's generic error counts as the server's). */
const RESPONSE_STATUS: Record<string, number> = {
  ok: 0,
  timeout: 2,
  server_error: 3,
  error: 3,
  client_error: 4,
  unknown: 5,
};
/** DeepFlow's tap_side: the client process or the server process. */
const TAP_SIDE = { client: 'c-p', server: 's-p' } as const;

/**
 * Takes a request-log field; `unique` for values that rarely repeat (a duration in microseconds,
 * a request id): sharing them missed on nearly every record, and a miss also encodes the pair's
 * OTLP/JSON and turns the key's cache over, 3.2 us per record against 0.44 for a plain KeyValue.
 */
type FieldVisitor = (key: string, value: string | number, unique: boolean) => void;

function field(visit: FieldVisitor, key: string, value: string | number | undefined, unique = false): void {
  if (value !== undefined && value !== '') visit(key, value, unique);
}

/** The l7_flow_log fields of a record, in order, those missing or empty left out. */
function visitL7FlowLogFields(r: L7Record, visit: FieldVisitor): void {
  const req = r.request;
  const res = r.response;
  const client = clientSide(r);
  const server = serverSide(r);
  const status = r.unanswered ? 'timeout' : (res?.response_status ?? (res ? 'ok' : 'unknown'));
  const serverSideProcess = isServer(r);
  field(visit, 'l7_protocol_str', r.protocol);
  field(visit, 'request_type', req?.request_type ?? res?.request_type);
  field(visit, 'request_domain', req?.request_domain ?? res?.request_domain);
  field(visit, 'request_resource', req?.request_resource ?? res?.request_resource);
  field(visit, 'endpoint', req?.endpoint ?? res?.endpoint);
  field(visit, 'request_id', req?.request_id ?? res?.request_id, true);
  field(visit, 'response_status', RESPONSE_STATUS[status]);
  field(visit, 'response_code', res?.response_code);
  field(visit, 'response_exception', res?.response_exception);
  field(visit, 'response_result', res?.response_result);
  field(visit, 'response_duration', Number((r.endNs - r.startNs) / 1000n), true);
  field(visit, 'request_length', req?.size);
  field(visit, 'response_length', res?.size);
  field(visit, 'ip_0', client.addr);
  field(visit, 'ip_1', server.addr);
  field(visit, 'client_port', client.port);
  field(visit, 'server_port', server.port);
  field(visit, 'protocol', r.conn.l4);
  field(visit, 'tap_side', TAP_SIDE[r.conn.role]);
  field(visit, serverSideProcess ? 'process_id_1' : 'process_id_0', r.conn.pid);
  field(visit, serverSideProcess ? 'process_kname_1' : 'process_kname_0', r.conn.comm);
  field(visit, serverSideProcess ? 'syscall_thread_1' : 'syscall_thread_0', r.tid);
  field(visit, 'x_request_id', req?.trace_context?.x_request_id, true);
  field(visit, 'capture_source', r.conn.source);
}

/** the list pushField fills: one at a time, so that the visitor is one shared function */
let target: KeyValue[] = [];
const pushField: FieldVisitor = (key, value, unique) =>
  void target.push(unique ? attr(key, value) : sharedAttr(key, value));

/** A request log as a log record: the l7_flow_log fields, then the span's attributes. */
function logRecord(r: L7Record): LogRecord {
  const error = r.unanswered || ['server_error', 'error'].includes(r.response?.response_status ?? '');
  const attributes: KeyValue[] = [];
  target = attributes;
  visitL7FlowLogFields(r, pushField);
  target = [];
  return newLogRecord({
    timeUnixNano: r.startNs,
    observedTimeUnixNano: r.endNs,
    severityNumber: error ? 17 : 9,
    severityText: error ? 'ERROR' : 'INFO',
    eventName: 'l7_flow_log',
    body: { stringValue: spanName(r) },
    attributes: attributes.concat(spanAttributes(r)),
    traceId: r.ids.traceId,
    spanId: r.ids.spanId,
  });
}

/**
 * Builds the columns of one scope, the attributes of each record going through the same slots
 * a store reads log records' attributes with, so that both give the same rows.
 */
class ColumnsBuilder {
  private readonly slots = new L7FieldSlots<L7Value>();
  private restKeys: string[] = [];
  private restValues: L7Value[] = [];
  /** one visitor for both kinds of attribute, bound once */
  private readonly take = (key: string, value: L7Value) => {
    if (!this.slots.offer(key, value) && !isTagAttribute(key)) {
      this.restKeys.push(key);
      this.restValues.push(value);
    }
  };

  build(records: L7Record[]): L7FlowLogColumns {
    const n = records.length;
    const fields = new Array<Array<L7Value | undefined> | undefined>(L7_FIELDS.length).fill(undefined);
    const startUs = new Array<number>(n);
    const traceId = new Array<Uint8Array>(n);
    const spanId = new Array<Uint8Array>(n);
    const restEnds = new Array<number>(n);
    const restKeys: string[] = (this.restKeys = []);
    const restValues: L7Value[] = (this.restValues = []);
    const values = this.slots.values;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      this.slots.clear();
      visitL7FlowLogFields(r, this.take);
      visitSpanAttributes(r, this.take);
      for (let slot = 0; slot < values.length; slot++) {
        const v = values[slot];
        if (v !== undefined) (fields[slot] ??= new Array<L7Value | undefined>(n).fill(undefined))[i] = v;
      }
      restEnds[i] = restKeys.length;
      // the record's time as the log record has it (timeUnixNano, observed when 0), in microseconds
      startUs[i] = Number((r.startNs !== 0n ? r.startNs : r.endNs) / 1000n);
      traceId[i] = r.ids.traceId;
      spanId[i] = r.ids.spanId;
    }
    return { rows: n, startUs, traceId, spanId, fields, restKeys, restValues, restEnds };
  }
}

const builder = new ColumnsBuilder();

export function recordsToLogs(records: L7Record[]): Logs {
  return { resourceLogs: byProcess(records, newGroup, addRecord).map(resourceLogs) };
}

interface Group {
  first: L7Record;
  records: L7Record[];
}

const newGroup = (r: L7Record): Group => ({ first: r, records: [] });
const addRecord = (g: Group, r: L7Record) => void g.records.push(r);

function resourceLogs(g: Group): ResourceLogs {
  const records = g.records;
  const scope = { scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '' } as ScopeLogs;
  return {
    resource: newResource(resourceAttributes(g.first)),
    schemaUrl: '',
    scopeLogs: [deferItems(scope, 'logRecords', records.length, () => records.map(logRecord), builder.build(records))],
  };
}
