// What every output shares about a record: its resource (the process that made the call or
// served it), its span kind, its name, its status and its attributes.
import { hostname } from 'node:os';
import { SpanKind, StatusCode, attr, type KeyValue } from '@flowtel/pdata';
import type { AttributeValue } from '../message.ts';
import { clientSide, isServer, serverSide, type L7Record } from '../record.ts';

export const SCOPE_NAME = 'flowtel.l7';
export const SCOPE_VERSION = '0.1.0';
const HOST = hostname();

const MESSAGING = new Set(['Kafka', 'MQTT', 'AMQP', 'NATS']);
const DATABASE = new Set(['MySQL', 'PostgreSQL', 'Redis', 'MongoDB', 'Memcached']);

export function resourceKey(r: L7Record): string {
  return `${r.conn.source}:${r.conn.pid}:${r.conn.comm}`;
}

/** The process's attributes: service.name is the command name until SmartEncoding knows better. */
export function resourceAttributes(r: L7Record): KeyValue[] {
  const out = [attr('service.name', r.conn.comm || r.conn.source), attr('host.name', HOST)];
  if (r.conn.pid) out.push(attr('process.pid', r.conn.pid), attr('process.executable.name', r.conn.comm));
  return out;
}

export function spanKind(r: L7Record): number {
  const messaging = MESSAGING.has(r.protocol);
  if (isServer(r)) return messaging ? SpanKind.CONSUMER : SpanKind.SERVER;
  return messaging ? SpanKind.PRODUCER : SpanKind.CLIENT;
}

const message = (r: L7Record) => r.request ?? r.response!;
const str = (v: AttributeValue | undefined) => (v === undefined ? undefined : String(v));

/** Span names as the semantic conventions give them: low cardinality, no ids or literals. */
export function spanName(r: L7Record): string {
  const m = message(r);
  const a = { ...r.response?.attributes, ...r.request?.attributes };
  const method = str(a['http.request.method']) ?? m.request_type;
  if (r.protocol.startsWith('HTTP') && !a['rpc.system']) return method ? `${method}${m.endpoint ? ` ${m.endpoint}` : ''}` : 'HTTP';
  if (a['rpc.system']) return [str(a['rpc.service']), str(a['rpc.method'])].filter(Boolean).join('/') || r.protocol;
  if (DATABASE.has(r.protocol)) {
    const op = str(a['db.operation.name']) ?? m.request_type;
    const target = str(a['db.collection.name']) ?? str(a['db.namespace']);
    return [op, target].filter(Boolean).join(' ') || r.protocol;
  }
  if (MESSAGING.has(r.protocol)) {
    const op = str(a['messaging.operation.name']) ?? m.request_type;
    return [op, str(a['messaging.destination.name'])].filter(Boolean).join(' ') || r.protocol;
  }
  if (r.protocol === 'DNS') return [m.request_type, m.request_domain ?? str(a['dns.question.name'])].filter(Boolean).join(' ') || 'DNS';
  return [m.request_type, m.endpoint].filter(Boolean).join(' ') || r.protocol;
}

/** OTel status: errors the server made are errors on both sides; client errors only for clients. */
export function spanStatus(r: L7Record): { code: number; message: string } {
  const status = r.response?.response_status;
  const exception = r.response?.response_exception ?? '';
  if (r.unanswered) return { code: StatusCode.ERROR, message: 'no response' };
  if (status === 'server_error' || status === 'error') return { code: StatusCode.ERROR, message: exception };
  if (status === 'client_error' && !isServer(r)) return { code: StatusCode.ERROR, message: exception };
  return { code: StatusCode.UNSET, message: '' };
}

export function errorType(r: L7Record): string | undefined {
  if (r.unanswered) return 'timeout';
  const m = r.response;
  if (!m) return undefined;
  if (m.response_status === 'server_error' || m.response_status === 'error' || (m.response_status === 'client_error' && !isServer(r)))
    return m.response_code !== undefined ? String(m.response_code) : m.response_exception || m.response_status;
  return undefined;
}

/** The request's and response's semantic-convention attributes, and the network ones. */
export function spanAttributes(r: L7Record): KeyValue[] {
  const merged: Record<string, AttributeValue> = { ...r.request?.attributes, ...r.response?.attributes };
  const client = clientSide(r);
  const server = serverSide(r);
  merged['network.transport'] = r.conn.l4;
  merged['network.peer.address'] = r.conn.remoteAddr;
  merged['network.peer.port'] = r.conn.remotePort;
  merged['server.address'] ??= server.addr;
  merged['server.port'] ??= server.port;
  if (isServer(r)) {
    merged['client.address'] ??= client.addr;
    merged['client.port'] ??= client.port;
  }
  merged['flowtel.l7.protocol'] = r.protocol;
  const type = errorType(r);
  if (type) merged['error.type'] = type;
  return Object.entries(merged).map(([k, v]) => attr(k, v));
}
