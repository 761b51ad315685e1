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
  return processAttributes(r.conn);
}

/** resourceAttributes of a process known by its capture source, pid and name. */
export function processAttributes(p: { source: string; pid: number; comm: string }): KeyValue[] {
  const out = [sharedAttr('service.name', p.comm || p.source), sharedAttr('host.name', HOST)];
  if (p.pid) out.push(sharedAttr('process.pid', p.pid), sharedAttr('process.executable.name', p.comm));
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
 * The value spanAttributes gives a key that a message carries (`own`, the response's where both
 * have it): the network ones, TLS and the protocol are put over the message's; the addresses,
 * ports and the scheme only where the message has none.
 */
function over(r: L7Record, key: string, own: AttributeValue, server: boolean, type: string | undefined) {
  switch (key) {
    case 'network.transport':
      return r.conn.l4;
    case 'network.peer.address':
      return r.conn.remoteAddr;
    case 'network.peer.port':
      return r.conn.remotePort;
    case 'server.address':
      return own ?? (server ? r.conn.localAddr : r.conn.remoteAddr);
    case 'server.port':
      return own ?? (server ? r.conn.localPort : r.conn.remotePort);
    case 'client.address':
      return server ? (own ?? r.conn.remoteAddr) : own;
    case 'client.port':
      return server ? (own ?? r.conn.remotePort) : own;
    case 'tls.established':
      return r.conn.tls ? true : own;
    case 'url.scheme':
      return r.conn.tls && isHttp(r) ? (own ?? 'https') : own;
    case 'flowtel.l7.protocol':
      return r.protocol;
    case 'error.type':
      return type || own;
    default:
      return own;
  }
}

const isHttp = (r: L7Record) => r.protocol === 'HTTP' || r.protocol === 'HTTP2';

type Attributes = Record<string, AttributeValue> | undefined;
const lacks = (request: Attributes, response: Attributes, key: string) =>
  !(request !== undefined && key in request) && !(response !== undefined && key in response);

export type AttributeVisitor = (key: string, value: AttributeValue) => void;

/**
 * The request's and response's semantic-convention attributes (the response's value where both
 * have a key), then the network ones the messages lack, handed to `visit` in order. Read
 * straight from the messages: merging them into one object first cost more than the parse of
 * the request itself.
 */
export function visitSpanAttributes(r: L7Record, visit: AttributeVisitor): void {
  const request = r.request?.attributes;
  const response = r.response?.attributes;
  const server = isServer(r);
  const type = errorType(r);
  if (request !== undefined)
    for (const key in request)
      visit(key, over(r, key, response !== undefined && key in response ? response[key] : request[key], server, type));
  if (response !== undefined)
    for (const key in response)
      if (request === undefined || !(key in request)) visit(key, over(r, key, response[key], server, type));
  if (lacks(request, response, 'network.transport')) visit('network.transport', r.conn.l4);
  if (lacks(request, response, 'network.peer.address')) visit('network.peer.address', r.conn.remoteAddr);
  if (lacks(request, response, 'network.peer.port')) visit('network.peer.port', r.conn.remotePort);
  if (lacks(request, response, 'server.address'))
    visit('server.address', server ? r.conn.localAddr : r.conn.remoteAddr);
  if (lacks(request, response, 'server.port')) visit('server.port', server ? r.conn.localPort : r.conn.remotePort);
  if (server) {
    if (lacks(request, response, 'client.address')) visit('client.address', r.conn.remoteAddr);
    if (lacks(request, response, 'client.port')) visit('client.port', r.conn.remotePort);
  }
  if (r.conn.tls) {
    // the plaintext came from the TLS library: the connection is encrypted on the wire
    if (lacks(request, response, 'tls.established')) visit('tls.established', true);
    if (isHttp(r) && lacks(request, response, 'url.scheme')) visit('url.scheme', 'https');
  }
  if (lacks(request, response, 'flowtel.l7.protocol')) visit('flowtel.l7.protocol', r.protocol);
  if (type && lacks(request, response, 'error.type')) visit('error.type', type);
  if (r.tcp) {
    // the network's view of the request, from the kernel's TCP figures of its connection: the
    // smoothed RTT in seconds (as OBI's obi.stat.tcp.rtt), retransmissions during the request
    visit('tcp.rtt', r.tcp.rttUs / 1e6);
    visit('tcp.retransmits', r.tcp.retransmits);
  }
}

/** the list spanAttributes fills: one at a time, so that the visitor is one shared function */
let target: KeyValue[] = [];
const pushShared: AttributeVisitor = (key, value) => void target.push(sharedAttr(key, value));

/** The span attributes of visitSpanAttributes, as a list. */
export function spanAttributes(r: L7Record): KeyValue[] {
  const out: KeyValue[] = [];
  target = out;
  visitSpanAttributes(r, pushShared);
  target = [];
  return out;
}
