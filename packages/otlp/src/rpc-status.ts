// google.rpc.Status, the error body of OTLP/HTTP and the details of a gRPC status, with the one
// detail OTLP cares about: google.rpc.RetryInfo (how long the client should wait).
//   Status    { int32 code = 1; string message = 2; repeated Any details = 3; }
//   Any       { string type_url = 1; bytes value = 2; }
//   RetryInfo { Duration retry_delay = 1; }   Duration { int64 seconds = 1; int32 nanos = 2; }
import { ProtoReader, ProtoWriter, WireType } from '@flowtel/pdata';

export interface RpcStatus {
  code: number;
  message: string;
  /** from a RetryInfo detail */
  retryDelayMs?: number;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

// the field numbers of the messages above
const Status = { code: 1, message: 2, details: 3 } as const;
const Any = { typeUrl: 1, value: 2 } as const;
const RetryInfo = { retryDelay: 1 } as const;
const Duration = { seconds: 1, nanos: 2 } as const;

// pdata's writer fills from the end: a message's fields are written last-first
function writeRetryInfo(w: ProtoWriter, delayMs: number): void {
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs - seconds * 1000) * 1e6);
  const info = w.written;
  const duration = w.written;
  w.uint32Field(Duration.nanos, nanos);
  if (seconds) {
    w.int64(BigInt(seconds));
    w.tag(Duration.seconds, WireType.VARINT);
  }
  w.closeMessage(RetryInfo.retryDelay, duration);
  w.closeMessage(Any.value, info);
}

export function encodeRpcStatus(s: RpcStatus): Uint8Array {
  const w = new ProtoWriter(128);
  if (s.retryDelayMs !== undefined) {
    const any = w.written;
    writeRetryInfo(w, s.retryDelayMs);
    w.stringField(Any.typeUrl, RETRY_INFO_TYPE);
    w.closeMessage(Status.details, any);
  }
  w.stringField(Status.message, s.message);
  w.enumField(Status.code, s.code);
  return w.finish();
}

export function rpcStatusToJson(s: RpcStatus): string {
  const details =
    s.retryDelayMs === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE, retryDelay: `${s.retryDelayMs / 1000}s` }];
  return JSON.stringify({ code: s.code, message: s.message, details });
}

/** Calls `on` for each field of the message from r.pos to `end`, skipping what it leaves unread. */
function eachField(r: ProtoReader, end: number, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (!on(tag >>> 3, tag & 7)) r.skip(tag);
  }
  r.expectEnd(end, 'google.rpc.Status');
}

function readRetryDelayMs(r: ProtoReader, end: number): number | undefined {
  let delay: number | undefined;
  eachField(r, end, (field, wire) => {
    if (field !== RetryInfo.retryDelay || wire !== WireType.LEN) return false;
    const durationEnd = r.len();
    let seconds = 0;
    let nanos = 0;
    eachField(r, durationEnd, (df, dw) => {
      if (dw !== WireType.VARINT) return false;
      if (df === Duration.seconds) seconds = Number(r.int64());
      else if (df === Duration.nanos) nanos = r.int32();
      else return false;
      return true;
    });
    delay = seconds * 1000 + nanos / 1e6;
    return true;
  });
  return delay;
}

/** Decodes a google.rpc.Status; throws on bytes that are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const s: RpcStatus = { code: 0, message: '' };
  const r = new ProtoReader(bytes);
  eachField(r, bytes.length, (field, wire) => {
    if (field === Status.code && wire === WireType.VARINT) s.code = r.int32();
    else if (field === Status.message && wire === WireType.LEN) s.message = r.string();
    else if (field === Status.details && wire === WireType.LEN) {
      const anyEnd = r.len();
      let typeUrl = '';
      // the value's bounds: it is read once the type URL (which may follow it) is known
      let value: { start: number; end: number } | undefined;
      eachField(r, anyEnd, (af, aw) => {
        if (aw !== WireType.LEN) return false;
        if (af === Any.typeUrl) typeUrl = r.string();
        else if (af === Any.value) {
          const end = r.len();
          value = { start: r.pos, end };
          r.pos = end;
        } else return false;
        return true;
      });
      if (typeUrl === RETRY_INFO_TYPE && value) {
        const after = r.pos;
        r.pos = value.start;
        s.retryDelayMs = readRetryDelayMs(r, value.end);
        r.pos = after;
      }
    } else return false;
    return true;
  });
  return s;
}

/** Parses the OTLP/JSON form of a google.rpc.Status; throws when it is not one. */
export function rpcStatusFromJson(text: string): RpcStatus {
  const o = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof o !== 'object' || o === null) throw new Error('not a JSON object');
  const s: RpcStatus = {
    code: typeof o.code === 'number' ? o.code : 0,
    message: typeof o.message === 'string' ? o.message : '',
  };
  for (const d of Array.isArray(o.details) ? o.details : []) {
    const delay =
      (d as { '@type'?: string; retryDelay?: unknown })['@type'] === RETRY_INFO_TYPE
        ? (d as { retryDelay?: unknown }).retryDelay
        : undefined;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) s.retryDelayMs = Number(delay.slice(0, -1)) * 1000;
  }
  return s;
}
