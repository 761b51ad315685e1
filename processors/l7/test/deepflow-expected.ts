// DeepFlow's expected parse (a .result file beside each capture) reduced to the fields the
// conformance test compares: protocol, request or response, request type and resource,
// response status and code. Lines that are not a request or a response (DeepFlow's Session and
// Other records, "parse failed" lines) are left out. See ../shared/testdata/deepflow/README.md.

import type { L7Message } from '../src/message.ts';
import { parseLeadingJson, parseRustDebug, type DebugValue } from './rust-debug.ts';

export interface Comparable {
  protocol: string;
  kind: 'request' | 'response';
  type?: string;
  resource?: string;
  status?: string;
  code?: number;
}

type Fields = Record<string, DebugValue>;

const STATUS: Record<string, string> = {
  Ok: 'ok',
  ClientError: 'client_error',
  ServerError: 'server_error',
  Unknown: 'unknown',
  Timeout: 'timeout',
  ParseFailed: 'error',
};

const MYSQL_COMMANDS: Record<number, string> = {
  0: 'Login',
  1: 'COM_QUIT',
  2: 'COM_INIT_DB',
  3: 'COM_QUERY',
  4: 'COM_FIELD_LIST',
  14: 'COM_PING',
  22: 'COM_STMT_PREPARE',
  23: 'COM_STMT_EXECUTE',
  25: 'COM_STMT_CLOSE',
  26: 'COM_STMT_RESET',
};

const POSTGRES_TYPES: Record<string, string> = { Q: 'Query', P: 'Parse', B: 'Bind', E: 'Execute' };

function kindOf(msgType: DebugValue): 'request' | 'response' | undefined {
  if (msgType === 'Request') return 'request';
  if (msgType === 'Response') return 'response';
  return undefined;
}

function str(v: DebugValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: DebugValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function fromHttp(f: Fields): Comparable | undefined {
  const kind = kindOf(f.msg_type);
  if (!kind) return undefined;
  const protocol = f.proto === 'Http1' ? 'HTTP' : f.proto === 'Grpc' ? 'gRPC' : 'HTTP2';
  if (kind === 'request') {
    const method = str(f.method);
    return {
      protocol,
      kind,
      type: method && !method.startsWith('_') ? method.toUpperCase() : undefined,
      resource: str(f.path),
    };
  }
  return { protocol, kind, status: STATUS[f.status as string], code: num(f.grpc_status_code) ?? num(f.status_code) };
}

function fromRedis(f: Fields): Comparable | undefined {
  if (str(f.request) !== undefined)
    return { protocol: 'Redis', kind: 'request', type: str(f.request_type), resource: str(f.request) };
  // DeepFlow prints a record for every packet; continuation packets of a large value come out as
  // replies of type Unknown. They are not replies.
  if (f.response_result === 'Unknown') return undefined;
  return { protocol: 'Redis', kind: 'response', status: f.response_result === 'Error' ? 'server_error' : 'ok' };
}

function fromKafka(f: Fields): Comparable | undefined {
  const kind = kindOf(f.msg_type);
  if (!kind) return undefined;
  if (kind === 'request') return { protocol: 'Kafka', kind, type: str(f.command), resource: str(f.endpoint) };
  // -2 is DeepFlow's "error code not read" marker, not a Kafka error code.
  const code = num(f.status_code);
  return { protocol: 'Kafka', kind, status: STATUS[f.status as string], code: code === -2 ? undefined : code };
}

const MQTT_REQUESTS = new Set(['Connect', 'Publish', 'Subscribe', 'Unsubscribe', 'Pingreq', 'Pubrel']);
const MQTT_RESPONSES = new Set(['Connack', 'Puback', 'Pubrec', 'Pubcomp', 'Suback', 'Unsuback', 'Pingresp']);

/** DeepFlow's MQTT test prints msg_type Other for every packet; the packet type says which it is. */
function fromMqtt(f: Fields): Comparable | undefined {
  const packet = f.pkt_type as DebugValue;
  const name = typeof packet === 'string' ? packet : ((packet as Fields).__type as string);
  // A QoS 0 publish is never answered: a one-way message, not a request.
  if (name === 'Publish' && (packet as Fields).qos === 'AtMostOnce') return undefined;
  if (MQTT_REQUESTS.has(name))
    return { protocol: 'MQTT', kind: 'request', type: name.toUpperCase(), resource: str(f.endpoint) };
  if (MQTT_RESPONSES.has(name))
    return { protocol: 'MQTT', kind: 'response', status: STATUS[f.status as string], code: num(f.code) };
  return undefined;
}

/** DeepFlow prints memcached records in a format of its own: "MemcachedInfo { msg_type: Request request: get k req_size: ...". */
function fromMemcached(line: string): Comparable | undefined {
  const m =
    /^MemcachedInfo \{ msg_type: (\w+) request: (.*?) req_size: \d+ result: (.*?) err_msg: (.*?) res_size:/.exec(line);
  if (!m) return undefined;
  const kind = kindOf(m[1]);
  if (kind === 'request')
    return { protocol: 'Memcached', kind, type: m[2].trim().split(' ')[0], resource: m[2].trim() };
  if (kind !== 'response') return undefined;
  const result = m[3].trim();
  const status = result.startsWith('SERVER_ERROR')
    ? 'server_error'
    : result.startsWith('CLIENT_ERROR') || result.startsWith('ERROR')
      ? 'client_error'
      : 'ok';
  return { protocol: 'Memcached', kind, status };
}

function fromMongo(f: Fields): Comparable | undefined {
  const kind = kindOf(f.msg_type);
  if (kind === 'request') return { protocol: 'MongoDB', kind, type: str(f.op_code_name), resource: str(f.request) };
  if (kind === 'response')
    return { protocol: 'MongoDB', kind, status: STATUS[f.status as string], code: num(f.response_code) };
  return undefined;
}

function fromAmqp(f: Fields): Comparable | undefined {
  const kind = kindOf(f.msg_type);
  if (kind === 'request') return { protocol: 'AMQP', kind, type: str(f.req_type), resource: str(f.endpoint) };
  // resp_code is printed as a name (NotAllowed), not the numeric reply code: left out.
  if (kind === 'response') return { protocol: 'AMQP', kind, status: STATUS[f.resp_status as string] };
  return undefined;
}

/** NatsInfo(NatsInfo { msg_type, message: Info(..) | Ping(Ping) | ... }): the message variant is the operation. */
function fromNats(value: DebugValue): Comparable | undefined {
  const f = ((value as Fields).__items as DebugValue[])[0] as Fields;
  const kind = kindOf(f.msg_type);
  if (!kind) return undefined;
  const op = ((f.message as Fields).__type as string).toUpperCase();
  if (kind === 'request') return { protocol: 'NATS', kind, type: op, resource: str(f.endpoint) };
  return { protocol: 'NATS', kind };
}

function fromDubbo(f: Fields): Comparable | undefined {
  const kind = kindOf(f.msg_type);
  if (kind === 'request') return { protocol: 'Dubbo', kind, type: str(f.method_name), resource: str(f.service_name) };
  if (kind === 'response') return { protocol: 'Dubbo', kind, code: num(f.status_code) };
  return undefined;
}

function fromMysql(j: Record<string, any>): Comparable | undefined {
  const kind = kindOf(j.msg_type);
  if (!kind) return undefined;
  if (kind === 'request')
    return {
      protocol: 'MySQL',
      kind,
      type: MYSQL_COMMANDS[j.request_type] ?? String(j.request_type),
      resource: j.request_resource,
    };
  return { protocol: 'MySQL', kind, status: j.response_status };
}

function fromDns(j: Record<string, any>): Comparable | undefined {
  const kind = kindOf(j.msg_type);
  if (!kind) return undefined;
  if (kind === 'request') return { protocol: 'DNS', kind, type: j.request_type, resource: j.request_resource };
  return { protocol: 'DNS', kind, status: j.response_status, code: j.response_code };
}

function fromPostgres(j: Record<string, any>): Comparable | undefined {
  const kind = kindOf(j.msg_type);
  if (!kind) return undefined;
  if (kind === 'request')
    return {
      protocol: 'PostgreSQL',
      kind,
      type: POSTGRES_TYPES[j.request_type] ?? j.request_type,
      resource: j.request_resource,
    };
  return { protocol: 'PostgreSQL', kind, status: j.status };
}

/** The comparable record of one .result line, or undefined for lines that are neither request nor response. */
export function expectedFromLine(dir: string, line: string): Comparable | undefined {
  if (line.startsWith('parse failed') || line.trim() === '') return undefined;
  if (line.startsWith('{')) {
    const j = parseLeadingJson(line);
    if (dir === 'mysql') return fromMysql(j);
    if (dir === 'dns') return fromDns(j);
    if (dir === 'postgre') return fromPostgres(j);
    return undefined;
  }
  const typeName = /^\w+/.exec(line)?.[0];
  switch (typeName) {
    case 'HttpInfo':
      return fromHttp(parseRustDebug(line) as Fields);
    case 'RedisInfo':
      return fromRedis(parseRustDebug(line) as Fields);
    case 'KafkaInfo':
      return fromKafka(parseRustDebug(line) as Fields);
    case 'MemcachedInfo':
      return fromMemcached(line);
    case 'AmqpInfo':
      return fromAmqp(parseRustDebug(line) as Fields);
    case 'NatsInfo':
      return fromNats(parseRustDebug(line));
    case 'DubboInfo':
      return fromDubbo(parseRustDebug(line) as Fields);
    case 'MongoDBInfo':
      return fromMongo(parseRustDebug(line) as Fields);
    case 'MqttInfo':
      return fromMqtt(parseRustDebug(line) as Fields);
    default:
      return undefined;
  }
}

/** A parsed message reduced to the same fields. */
export function comparableOf(m: L7Message): Comparable | undefined {
  if (m.kind === 'session') return undefined;
  // DeepFlow's Kafka resource is topic-partition, which this parser reports as the endpoint.
  const resource = m.protocol === 'Kafka' ? m.endpoint : m.request_resource;
  if (m.kind === 'request') return { protocol: m.protocol, kind: 'request', type: m.request_type, resource };
  return { protocol: m.protocol, kind: 'response', status: m.response_status, code: m.response_code };
}

/** Every field the expected record states must be equal; fields it leaves out are not compared. */
export function matches(expected: Comparable, actual: Comparable): boolean {
  if (expected.protocol !== actual.protocol || expected.kind !== actual.kind) return false;
  for (const key of ['type', 'resource', 'status', 'code'] as const) {
    if (expected[key] !== undefined && expected[key] !== actual[key]) return false;
  }
  return true;
}

/** Beyond this many cells the exact LCS is too slow; a windowed greedy alignment stands in. */
const MAX_LCS_CELLS = 4_000_000;
const GREEDY_WINDOW = 64;

/**
 * The expected records found, in order: the longest common subsequence under `matches`, or for
 * long captures a greedy alignment that looks a window ahead (a lower bound of the LCS).
 */
export function matchCount(expected: Comparable[], actual: Comparable[]): number {
  if (expected.length * actual.length > MAX_LCS_CELLS) {
    let count = 0;
    let j = 0;
    for (const e of expected) {
      for (let k = j; k < Math.min(actual.length, j + GREEDY_WINDOW); k++) {
        if (matches(e, actual[k])) {
          count++;
          j = k + 1;
          break;
        }
      }
    }
    return count;
  }
  let prev = new Array<number>(actual.length + 1).fill(0);
  for (let i = 1; i <= expected.length; i++) {
    const row = new Array<number>(actual.length + 1).fill(0);
    for (let j = 1; j <= actual.length; j++) {
      row[j] = matches(expected[i - 1], actual[j - 1]) ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    }
    prev = row;
  }
  return prev[actual.length];
}
