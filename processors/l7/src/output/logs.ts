// Request logs: one record per request/response pair, carrying the fields of DeepFlow's
// flow_log.l7_flow_log under their column names (what the ClickHouse request-log table
// stores), beside the semantic-convention attributes the spans have.
import {
  attr,
  newLogRecord,
  newResource,
  newScope,
  sharedAttr,
  type KeyValue,
  type Logs,
  type ResourceLogs,
} from '@flowtel/pdata';
import { clientSide, isServer, serverSide, type L7Record } from '../record.ts';
import { SCOPE_NAME, SCOPE_VERSION, byProcess, resourceAttributes, spanAttributes, spanName } from './describe.ts';

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

/** Adds `key` to `out` unless the value is missing or empty. */
function field(out: KeyValue[], key: string, value: string | number | undefined): void {
  if (value !== undefined && value !== '') out.push(sharedAttr(key, value));
}

/**
 * `field` for values that rarely repeat (a duration in microseconds, a request id): sharing
 * them missed on nearly every record, and a miss also encodes the pair's OTLP/JSON and turns
 * the key's cache over, 3.2 us per record against 0.44 for a plain KeyValue.
 */
function uniqueField(out: KeyValue[], key: string, value: string | number | undefined): void {
  if (value !== undefined && value !== '') out.push(attr(key, value));
}

/** The l7_flow_log columns, pushed onto `out` as they come (no list of pairs to filter first). */
function l7FlowLogFields(r: L7Record, out: KeyValue[]): KeyValue[] {
  const req = r.request;
  const res = r.response;
  const client = clientSide(r);
  const server = serverSide(r);
  const status = r.unanswered ? 'timeout' : (res?.response_status ?? (res ? 'ok' : 'unknown'));
  const serverSideProcess = isServer(r);
  field(out, 'l7_protocol_str', r.protocol);
  field(out, 'request_type', req?.request_type ?? res?.request_type);
  field(out, 'request_domain', req?.request_domain ?? res?.request_domain);
  field(out, 'request_resource', req?.request_resource ?? res?.request_resource);
  field(out, 'endpoint', req?.endpoint ?? res?.endpoint);
  uniqueField(out, 'request_id', req?.request_id ?? res?.request_id);
  field(out, 'response_status', RESPONSE_STATUS[status]);
  field(out, 'response_code', res?.response_code);
  field(out, 'response_exception', res?.response_exception);
  field(out, 'response_result', res?.response_result);
  uniqueField(out, 'response_duration', Number((r.endNs - r.startNs) / 1000n));
  field(out, 'request_length', req?.size);
  field(out, 'response_length', res?.size);
  field(out, 'ip_0', client.addr);
  field(out, 'ip_1', server.addr);
  field(out, 'client_port', client.port);
  field(out, 'server_port', server.port);
  field(out, 'protocol', r.conn.l4);
  field(out, 'tap_side', TAP_SIDE[r.conn.role]);
  field(out, serverSideProcess ? 'process_id_1' : 'process_id_0', r.conn.pid);
  field(out, serverSideProcess ? 'process_kname_1' : 'process_kname_0', r.conn.comm);
  field(out, serverSideProcess ? 'syscall_thread_1' : 'syscall_thread_0', r.tid);
  uniqueField(out, 'x_request_id', req?.trace_context?.x_request_id);
  field(out, 'capture_source', r.conn.source);
  return out;
}

export function recordsToLogs(records: L7Record[]): Logs {
  return { resourceLogs: byProcess(records, newResourceLogs, addLogRecord) };
}

const newResourceLogs = (r: L7Record): ResourceLogs => ({
  resource: newResource(resourceAttributes(r)),
  schemaUrl: '',
  scopeLogs: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', logRecords: [] }],
});

function addLogRecord(rl: ResourceLogs, r: L7Record): void {
  const error = r.unanswered || ['server_error', 'error'].includes(r.response?.response_status ?? '');
  rl.scopeLogs[0].logRecords.push(
    newLogRecord({
      timeUnixNano: r.startNs,
      observedTimeUnixNano: r.endNs,
      severityNumber: error ? 17 : 9,
      severityText: error ? 'ERROR' : 'INFO',
      eventName: 'l7_flow_log',
      body: { stringValue: spanName(r) },
      attributes: l7FlowLogFields(r, []).concat(spanAttributes(r)),
      traceId: r.ids.traceId,
      spanId: r.ids.spanId,
    }),
  );
}
