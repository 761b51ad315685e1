// What every output shares about a record: its resource (the process that made the call or
// served it), its span kind, its name, its status and its attributes.
import { hostname } from 'node:os';
import { STATUS_UNSET, SpanKind, StatusCode, sharedAttr, type KeyValue } from '@flowtel/pdata';
import type { AttributeValue } from '../message.ts';
import { isServer, type ConnectionInfo, type L7Record } from '../record.ts';

export const SCOPE_NAME = 'flowtel.l7';
export const SCOPE_VERSION = '0.1.0';
const HOST = hostname();

const MESSAGING = new Set(['Kafka', 'MQTT', 'AMQP', 'NATS']);
const DATABASE = new Set(['MySQL', 'PostgreSQL', 'Redis', 'MongoDB', 'Memcached']);

export function resourceKey(r: L7Record): string {
  return `${r.conn.source}:${r.conn.pid}:${r.conn.comm}`;
}

/**
 * The records grouped by the process that made or served them, the resource of their spans
 * and log records: `newGroup` makes a process's group, `add` puts a record in it. The process
 * is worked out once per connection, as a batch interleaves the records of many.
 */
export function byProcess<G>(
  records: L7Record[],
  newGroup: (r: L7Record) => G,
  add: (group: G, r: L7Record) => void,
): G[] {
  const byKey = new Map<string, G>();
  const byConnection = new Map<ConnectionInfo, G>();
  for (const r of records) {
    let group = byConnection.get(r.conn);
    if (group === undefined) {
      const key = resourceKey(r);
      group = byKey.get(key);
      if (group === undefined) byKey.set(key, (group = newGroup(r)));
      byConnection.set(r.conn, group);
    }
    add(group, r);
  }
  return [...byKey.values()];
}

/** The process's attributes: service.name is the command name until SmartEncoding knows better. */
export function resourceAttributes(r: L7Record): KeyValue[] {
  const out = [sharedAttr('service.name', r.conn.comm || r.conn.source), sharedAttr('host.name', HOST)];
  if (r.conn.pid) out.push(sharedAttr('process.pid', r.conn.pid), sharedAttr('process.executable.name', r.conn.comm));
  return out;
}

export function spanKind(r: L7Record): number {
  const messaging = MESSAGING.has(r.protocol);
  if (isServer(r)) return messaging ? SpanKind.CONSUMER : SpanKind.SERVER;
  return messaging ? SpanKind.PRODUCER : SpanKind.CLIENT;
}

const message = (r: L7Record) => r.request ?? r.response!;

/** A message attribute, the request's winning over the response's, read without merging the two. */
function value(r: L7Record, key: string): AttributeValue | undefined {
  const request = r.request?.attributes;
  return request !== undefined && key in request ? request[key] : r.response?.attributes[key];
}

function text(r: L7Record, key: string): string | undefined {
  const v = value(r, key);
  return v === undefined ? undefined : String(v);
}

/** names made lately, per separator, first part and second part; each level bounded */
const NAMES_PER_PART = 256;
const namesBySeparator = new Map<string, Map<string, Map<string, string>>>();

/**
 * `${a}${separator}${b}`, the same string for every span with the same parts: span names repeat,
 * and a span waiting in a batch holds its name that long.
 */
function pairName(a: string, separator: string, b: string): string {
  let byFirst = namesBySeparator.get(separator);
  if (byFirst === undefined) namesBySeparator.set(separator, (byFirst = new Map()));
  let bySecond = byFirst.get(a);
  if (bySecond === undefined) {
    if (byFirst.size >= NAMES_PER_PART) byFirst.clear();
    byFirst.set(a, (bySecond = new Map()));
  }
  let name = bySecond.get(b);
  if (name === undefined) {
    if (bySecond.size >= NAMES_PER_PART) bySecond.clear();
    name = `${a}${separator}${b}`;
    bySecond.set(b, name);
  }
  return name;
}

/** The parts that are there, joined by a space; undefined when none is. */
function joined(a: string | undefined, b: string | undefined): string | undefined {
  if (a && b) return pairName(a, ' ', b);
  return a || b || undefined;
}

/** Span names as the semantic conventions give them: low cardinality, no ids or literals. */
export function spanName(r: L7Record): string {
  const m = message(r);
  const rpc = value(r, 'rpc.system');
  if (r.protocol.startsWith('HTTP') && !rpc) {
    const method = text(r, 'http.request.method') ?? m.request_type;
    return method ? (m.endpoint ? pairName(method, ' ', m.endpoint) : method) : 'HTTP';
  }
  if (rpc) {
    const service = text(r, 'rpc.service');
    const method = text(r, 'rpc.method');
    return (service && method ? pairName(service, '/', method) : service || method) || r.protocol;
  }
  if (DATABASE.has(r.protocol))
    return (
      joined(
        text(r, 'db.operation.name') ?? m.request_type,
        text(r, 'db.collection.name') ?? text(r, 'db.namespace'),
      ) ?? r.protocol
    );
  if (MESSAGING.has(r.protocol))
    return (
      joined(text(r, 'messaging.operation.name') ?? m.request_type, text(r, 'messaging.destination.name')) ?? r.protocol
    );
  if (r.protocol === 'DNS') return joined(m.request_type, m.request_domain ?? text(r, 'dns.question.name')) ?? 'DNS';
  return joined(m.request_type, m.endpoint) ?? r.protocol;
}

/** OTel status: errors the server made are errors on both sides; client errors only for clients. */
export function spanStatus(r: L7Record): { code: number; message: string } {
  const status = r.response?.response_status;
  const exception = r.response?.response_exception ?? '';
  if (r.unanswered) return { code: StatusCode.ERROR, message: 'no response' };
  if (status === 'server_error' || status === 'error') return { code: StatusCode.ERROR, message: exception };
  if (status === 'client_error' && !isServer(r)) return { code: StatusCode.ERROR, message: exception };
  return STATUS_UNSET;
}

export function errorType(r: L7Record): string | undefined {
  if (r.unanswered) return 'timeout';
  const m = r.response;
  if (!m) return undefined;
  if (
    m.response_status === 'server_error' ||
    m.response_status === 'error' ||
    (m.response_status === 'client_error' && !isServer(r))
  )
    return m.response_code !== undefined ? String(m.response_code) : m.response_exception || m.response_status;
  return undefined;
}

/**
 * Sets one of the attributes spanAttributes adds to the messages' own. Where a message already
 * carries the key, the value goes in that key's place (`keep`: only when the message's is
 * missing), as assigning into the merged messages would.
 */
function put(out: KeyValue[], r: L7Record, key: string, value: AttributeValue, keep: boolean): void {
  const request = r.request?.attributes;
  const response = r.response?.attributes;
  if (!(request !== undefined && key in request) && !(response !== undefined && key in response)) {
    out.push(sharedAttr(key, value));
    return;
  }
  // the key is in the list: every key of the messages went in first
  let i = 0;
  while (out[i].key !== key) i++;
  const current = response !== undefined && key in response ? response[key] : request![key];
  if (!keep || current === undefined || current === null) out[i] = sharedAttr(key, value);
}

/**
 * The request's and response's semantic-convention attributes (the response's value where both
 * have a key), and the network ones. Built straight into the KeyValue list: merging the
 * messages into one object first cost more than the parse of the request itself.
 */
export function spanAttributes(r: L7Record): KeyValue[] {
  const request = r.request?.attributes;
  const response = r.response?.attributes;
  const out: KeyValue[] = [];
  if (request !== undefined)
    for (const key in request)
      out.push(sharedAttr(key, response !== undefined && key in response ? response[key] : request[key]));
  if (response !== undefined)
    for (const key in response)
      if (request === undefined || !(key in request)) out.push(sharedAttr(key, response[key]));
  const server = isServer(r);
  put(out, r, 'network.transport', r.conn.l4, false);
  put(out, r, 'network.peer.address', r.conn.remoteAddr, false);
  put(out, r, 'network.peer.port', r.conn.remotePort, false);
  put(out, r, 'server.address', server ? r.conn.localAddr : r.conn.remoteAddr, true);
  put(out, r, 'server.port', server ? r.conn.localPort : r.conn.remotePort, true);
  if (server) {
    put(out, r, 'client.address', r.conn.remoteAddr, true);
    put(out, r, 'client.port', r.conn.remotePort, true);
  }
  if (r.conn.tls) {
    // the plaintext came from the TLS library: the connection is encrypted on the wire
    put(out, r, 'tls.established', true, false);
    if (r.protocol === 'HTTP' || r.protocol === 'HTTP2') put(out, r, 'url.scheme', 'https', true);
  }
  put(out, r, 'flowtel.l7.protocol', r.protocol, false);
  const type = errorType(r);
  if (type) put(out, r, 'error.type', type, false);
  return out;
}
