// Zipkin v2 JSON (a list of spans, zipkin-api's zipkin2-api.yaml), read with the checks
// zipkin-go's SpanModel.UnmarshalJSON makes and written as its MarshalJSON writes it.
import {
  EMPTY_ID,
  fromHex,
  isZeroId,
  KINDS,
  toHex,
  traceIdHex,
  type ZipkinAnnotation,
  type ZipkinEndpoint,
  type ZipkinKind,
  type ZipkinSpan,
} from './model.ts';

export class ZipkinFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipkinFormatError';
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Json, key: string, at: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ZipkinFormatError(`${at}.${key}: expected a string`);
  return v;
}

/** µs as an int64 JSON number; absent, null or below 1 is "not set" (0) */
function micros(o: Json, key: string, at: string): bigint {
  const v = o[key];
  if (v === undefined || v === null) return 0n;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZipkinFormatError(`${at}.${key}: expected an integer`);
  return v < 1 ? 0n : BigInt(v);
}

function endpoint(v: unknown, at: string): ZipkinEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ZipkinFormatError(`${at}: expected an object`);
  const port = v.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ZipkinFormatError(`${at}.port: expected a port number`);
  const e = { serviceName: str(v, 'serviceName', at), ipv4: str(v, 'ipv4', at), ipv6: str(v, 'ipv6', at), port };
  // zipkin-go keeps no endpoint that says nothing
  return e.serviceName === '' && e.ipv4 === '' && e.ipv6 === '' && e.port === 0 ? undefined : e;
}

function id(o: Json, key: string, size: 8 | 16, at: string, required: boolean): Uint8Array {
  const text = str(o, key, at);
  if (text === '') {
    if (required) throw new ZipkinFormatError(`${at}.${key}: valid ${key} required`);
    return EMPTY_ID;
  }
  const bytes = fromHex(text, size);
  if (!bytes) throw new ZipkinFormatError(`${at}.${key}: "${text}" is not a hex id of at most ${size * 2} digits`);
  return bytes;
}

function span(v: unknown, at: string): ZipkinSpan {
  if (!isObject(v)) throw new ZipkinFormatError(`${at}: expected a span object`);
  const traceId = id(v, 'traceId', 16, at, true);
  const spanId = id(v, 'id', 8, at, true);
  if (isZeroId(traceId)) throw new ZipkinFormatError(`${at}.traceId: valid traceId required`);
  if (isZeroId(spanId)) throw new ZipkinFormatError(`${at}.id: valid id required`);
  const parentId = id(v, 'parentId', 8, at, false);
  const kindText = str(v, 'kind', at).toUpperCase();
  const kind: ZipkinKind = (KINDS as readonly string[]).includes(kindText) ? (kindText as ZipkinKind) : '';
  const annotations: ZipkinAnnotation[] = [];
  if (v.annotations !== undefined && v.annotations !== null) {
    if (!Array.isArray(v.annotations)) throw new ZipkinFormatError(`${at}.annotations: expected a list`);
    v.annotations.forEach((a, i) => {
      const where = `${at}.annotations[${i}]`;
      if (!isObject(a)) throw new ZipkinFormatError(`${where}: expected an object`);
      annotations.push({ timestamp: micros(a, 'timestamp', where), value: str(a, 'value', where) });
    });
  }
  const tags = new Map<string, string>();
  if (v.tags !== undefined && v.tags !== null) {
    if (!isObject(v.tags)) throw new ZipkinFormatError(`${at}.tags: expected an object`);
    for (const [k, t] of Object.entries(v.tags)) {
      if (typeof t !== 'string') throw new ZipkinFormatError(`${at}.tags.${k}: expected a string`);
      tags.set(k, t);
    }
  }
  return {
    traceId,
    id: spanId,
    parentId: isZeroId(parentId) ? EMPTY_ID : parentId,
    name: str(v, 'name', at),
    kind,
    timestamp: micros(v, 'timestamp', at),
    duration: micros(v, 'duration', at),
    localEndpoint: endpoint(v.localEndpoint, `${at}.localEndpoint`),
    remoteEndpoint: endpoint(v.remoteEndpoint, `${at}.remoteEndpoint`),
    annotations,
    tags,
    debug: v.debug === true,
    shared: v.shared === true,
  };
}

/** A v2 JSON body: a list of spans. */
export function decodeSpansJson(text: string): ZipkinSpan[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ZipkinFormatError(`not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ZipkinFormatError('expected a list of spans');
  return parsed.map((s, i) => span(s, `[${i}]`));
}

function endpointJson(e: ZipkinEndpoint | undefined): Json | undefined {
  if (!e) return undefined;
  const out: Json = {};
  if (e.serviceName) out.serviceName = e.serviceName;
  if (e.ipv4) out.ipv4 = e.ipv4;
  if (e.ipv6) out.ipv6 = e.ipv6;
  if (e.port) out.port = e.port;
  return out;
}

/** Spans as zipkin-go writes them: omitempty fields, tags in key order (Go marshals maps sorted). */
export function encodeSpansJson(spans: ZipkinSpan[]): string {
  return JSON.stringify(
    spans.map((s) => {
      const out: Json = { traceId: traceIdHex(s.traceId), id: toHex(s.id) };
      if (s.parentId.length > 0) out.parentId = toHex(s.parentId);
      if (s.debug) out.debug = true;
      if (s.kind) out.kind = s.kind;
      if (s.name) out.name = s.name;
      if (s.timestamp > 0n) out.timestamp = Number(s.timestamp);
      if (s.duration > 0n) out.duration = Number(s.duration);
      if (s.shared) out.shared = true;
      const local = endpointJson(s.localEndpoint);
      if (local) out.localEndpoint = local;
      const remote = endpointJson(s.remoteEndpoint);
      if (remote) out.remoteEndpoint = remote;
      if (s.annotations.length > 0)
        out.annotations = s.annotations.map((a) => ({ timestamp: Number(a.timestamp), value: a.value }));
      if (s.tags.size > 0) out.tags = Object.fromEntries([...s.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return out;
    }),
  );
}
