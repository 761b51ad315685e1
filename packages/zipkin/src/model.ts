// Zipkin's v2 span model (zipkin-api's zipkin2 Span), as zipkin-go's SpanModel holds it: ids
// as bytes, times in microseconds, endpoints' addresses as text, tags in arrival order.

export interface ZipkinEndpoint {
  serviceName: string;
  /** dotted quad, "" when absent */
  ipv4: string;
  /** RFC 5952 text, "" when absent */
  ipv6: string;
  /** 0 when absent */
  port: number;
}

export interface ZipkinAnnotation {
  /** microseconds since the epoch */
  timestamp: bigint;
  value: string;
}

export const KINDS = ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'] as const;
export type ZipkinKind = (typeof KINDS)[number] | '';

export interface ZipkinSpan {
  /** 16 bytes; a 64-bit trace id has its high half zero */
  traceId: Uint8Array;
  /** 8 bytes */
  id: Uint8Array;
  /** 8 bytes, or empty for a root span */
  parentId: Uint8Array;
  name: string;
  kind: ZipkinKind;
  /** microseconds since the epoch; 0 when absent */
  timestamp: bigint;
  /** microseconds; 0 when absent */
  duration: bigint;
  localEndpoint?: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations: ZipkinAnnotation[];
  tags: Map<string, string>;
  debug: boolean;
  shared: boolean;
}

export const EMPTY_ID: Uint8Array = new Uint8Array(0);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export function isZeroId(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/**
 * Hex text as `size` big-endian bytes, left-padded with zeros as zipkin-go's ParseUint of each
 * 64-bit half does; undefined when it is not hex or longer than the id.
 */
export function fromHex(text: string, size: 8 | 16): Uint8Array | undefined {
  if (text.length === 0 || text.length > size * 2 || !/^[0-9a-fA-F]+$/.test(text)) return undefined;
  const padded = text.padStart(size * 2, '0');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(padded.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A 16-byte trace id as zipkin-go's TraceID.String(): 16 hex digits when the high half is zero. */
export function traceIdHex(id: Uint8Array): string {
  const hex = toHex(id);
  return hex.startsWith('0000000000000000') ? hex.slice(16) : hex;
}

/** IPv4 text as 4 bytes, undefined when it is not one. */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const out = new Uint8Array(m.slice(1).map(Number));
  return out.every((v, i) => v <= 255 && String(v) === m[i + 1].replace(/^0+(?=\d)/, '')) ? out : undefined;
}

/** IPv6 text as 16 bytes, undefined when it is not one. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    if (!b) return undefined;
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const words = [...head, ...Array(8 - known).fill('0'), ...rest];
  const out = new Uint8Array(16);
  const all = [...words.map((w) => (/^[0-9a-fA-F]{1,4}$/.test(w) ? parseInt(w, 16) : NaN)), ...tail];
  for (let i = 0; i < 8; i++) {
    if (Number.isNaN(all[i])) return undefined;
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}
