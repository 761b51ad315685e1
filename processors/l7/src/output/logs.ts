// Request logs: one record per request/response pair, carrying the fields of DeepFlow's
// flow_log.l7_flow_log under their column names (what the ClickHouse request-log table
// stores), beside the semantic-convention attributes the spans have.
import { attr, newLogRecord, newResource, newScope, type KeyValue, type Logs, type ResourceLogs } from '@flowtel/pdata';
import { clientSide, isServer, serverSide, type L7Record } from '../record.ts';
import { SCOPE_NAME, SCOPE_VERSION, resourceAttributes, resourceKey, spanAttributes, spanName } from './describe.ts';

/** DeepFlow's response_status codes (a protocol's generic error counts as the server's). */
const RESPONSE_STATUS: Record<string, number> = { ok: 0, timeout: 2, server_error: 3, error: 3, client_error: 4, unknown: 5 };
/** DeepFlow's tap_side: the client process or the server process. */
const TAP_SIDE = { client: 'c-p', server: 's-p' } as const;

function l7FlowLogFields(r: L7Record): KeyValue[] {
  const req = r.request;
  const res = r.response;
  const client = clientSide(r);
  const server = serverSide(r);
  const status = r.unanswered ? 'timeout' : res?.response_status ?? (res ? 'ok' : 'unknown');
  const fields: Array<[string, string | number | undefined]> = [
    ['l7_protocol_str', r.protocol],
    ['request_type', req?.request_type ?? res?.request_type],
    ['request_domain', req?.request_domain ?? res?.request_domain],
    ['request_resource', req?.request_resource ?? res?.request_resource],
    ['endpoint', req?.endpoint ?? res?.endpoint],
    ['request_id', req?.request_id ?? res?.request_id],
    ['response_status', RESPONSE_STATUS[status]],
    ['response_code', res?.response_code],
    ['response_exception', res?.response_exception],
    ['response_result', res?.response_result],
    ['response_duration', Number((r.endNs - r.startNs) / 1000n)],
    ['request_length', req?.size],
    ['response_length', res?.size],
    ['ip_0', client.addr],
    ['ip_1', server.addr],
    ['client_port', client.port],
    ['server_port', server.port],
    ['protocol', r.conn.l4],
    ['tap_side', TAP_SIDE[r.conn.role]],
    [isServer(r) ? 'process_id_1' : 'process_id_0', r.conn.pid],
    [isServer(r) ? 'process_kname_1' : 'process_kname_0', r.conn.comm],
    [isServer(r) ? 'syscall_thread_1' : 'syscall_thread_0', r.tid],
    ['x_request_id', req?.trace_context?.x_request_id],
    ['capture_source', r.conn.source],
  ];
  return fields.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => attr(k, v!));
}

export function recordsToLogs(records: L7Record[]): Logs {
  const byResource = new Map<string, ResourceLogs>();
  for (const r of records) {
    const key = resourceKey(r);
    let rl = byResource.get(key);
    if (!rl) {
      rl = { resource: newResource(resourceAttributes(r)), schemaUrl: '', scopeLogs: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', logRecords: [] }] };
      byResource.set(key, rl);
    }
    const error = r.unanswered || ['server_error', 'error'].includes(r.response?.response_status ?? '');
    rl.scopeLogs[0].logRecords.push(
      newLogRecord({
        timeUnixNano: r.startNs,
        observedTimeUnixNano: r.endNs,
        severityNumber: error ? 17 : 9,
        severityText: error ? 'ERROR' : 'INFO',
        eventName: 'l7_flow_log',
        body: { stringValue: spanName(r) },
        attributes: [...l7FlowLogFields(r), ...spanAttributes(r)],
        traceId: r.ids.traceId,
        spanId: r.ids.spanId,
      }),
    );
  }
  return { resourceLogs: [...byResource.values()] };
}
