// google.rpc.Status, the error body of OTLP/HTTP and the details of a gRPC status, with the one
// detail OTLP cares about: google.rpc.RetryInfo (how long the client should wait).
//   Status    { int32 code = 1; string message = 2; repeated Any details = 3; }
//   Any       { string type_url = 1; bytes value = 2; }
//   RetryInfo { Duration retry_delay = 1; }   Duration { int64 seconds = 1; int32 nanos = 2; }

export interface RpcStatus {
  code: number;
  message: string;
  /** from a RetryInfo detail */
  retryDelayMs?: number;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function lengthDelimited(out: number[], field: number, bytes: ArrayLike<number>): void {
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}

function encodeRetryInfo(delayMs: number): number[] {
  const duration: number[] = [];
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs - seconds * 1000) * 1e6);
  if (seconds) (varint(duration, 1 << 3), varint(duration, seconds));
  if (nanos) (varint(duration, 2 << 3), varint(duration, nanos));
  const info: number[] = [];
  lengthDelimited(info, 1, duration);
  return info;
}

export function encodeRpcStatus(s: RpcStatus): Uint8Array {
  const out: number[] = [];
  if (s.code) (varint(out, 1 << 3), varint(out, s.code));
  if (s.message) lengthDelimited(out, 2, encoder.encode(s.message));
  if (s.retryDelayMs !== undefined) {
    const any: number[] = [];
    lengthDelimited(any, 1, encoder.encode(RETRY_INFO_TYPE));
    lengthDelimited(any, 2, encodeRetryInfo(s.retryDelayMs));
    lengthDelimited(out, 3, any);
  }
  return Uint8Array.from(out);
}

export function rpcStatusToJson(s: RpcStatus): string {
  const details =
    s.retryDelayMs === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE, retryDelay: `${s.retryDelayMs / 1000}s` }];
  return JSON.stringify({ code: s.code, message: s.message, details });
}

/** A minimal reader: only what Status, Any, RetryInfo and Duration need. */
class Fields {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private varint(): number {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.pos >= this.bytes.length) throw new Error('truncated varint');
      const b = this.bytes[this.pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error('varint too long');
  }

  /** Calls `on` with each field's number and value; skips fixed-width fields. */
  each(on: (field: number, value: number | Uint8Array) => void): void {
    while (this.pos < this.bytes.length) {
      const key = this.varint();
      const wire = key & 7;
      const field = key >>> 3;
      if (wire === 0) on(field, this.varint());
      else if (wire === 2) {
        const len = this.varint();
        if (this.pos + len > this.bytes.length) throw new Error('truncated field');
        on(field, this.bytes.subarray(this.pos, (this.pos += len)));
      } else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function decodeRetryDelayMs(bytes: Uint8Array): number | undefined {
  let delay: number | undefined;
  new Fields(bytes).each((f, v) => {
    if (f !== 1 || typeof v === 'number') return;
    let seconds = 0;
    let nanos = 0;
    new Fields(v).each((df, dv) => {
      if (df === 1 && typeof dv === 'number') seconds = dv;
      if (df === 2 && typeof dv === 'number') nanos = dv;
    });
    delay = seconds * 1000 + nanos / 1e6;
  });
  return delay;
}

/** Decodes a google.rpc.Status; throws on bytes that are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const s: RpcStatus = { code: 0, message: '' };
  new Fields(bytes).each((field, v) => {
    if (field === 1 && typeof v === 'number') s.code = v;
    else if (field === 2 && typeof v !== 'number') s.message = decoder.decode(v);
    else if (field === 3 && typeof v !== 'number') {
      let typeUrl = '';
      let value: Uint8Array | undefined;
      new Fields(v).each((af, av) => {
        if (af === 1 && typeof av !== 'number') typeUrl = decoder.decode(av);
        if (af === 2 && typeof av !== 'number') value = av;
      });
      if (typeUrl === RETRY_INFO_TYPE && value) s.retryDelayMs = decodeRetryDelayMs(value);
    }
  });
  return s;
}

/** Parses the OTLP/JSON form of a google.rpc.Status; throws when it is not one. */
export function rpcStatusFromJson(text: string): RpcStatus {
  const o = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof o !== 'object' || o === null) throw new Error('not a JSON object');
  const s: RpcStatus = { code: typeof o.code === 'number' ? o.code : 0, message: typeof o.message === 'string' ? o.message : '' };
  for (const d of Array.isArray(o.details) ? o.details : []) {
    const delay = (d as { '@type'?: string; retryDelay?: unknown })['@type'] === RETRY_INFO_TYPE ? (d as { retryDelay?: unknown }).retryDelay : undefined;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) s.retryDelayMs = Number(delay.slice(0, -1)) * 1000;
  }
  return s;
}
