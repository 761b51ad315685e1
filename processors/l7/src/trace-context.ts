// Trace context carried in payloads, as the propagators write it: W3C traceparent, B3 (single
// and multi header), Jaeger's uber-trace-id and SkyWalking's sw8.
import { createHash } from 'node:crypto';
import type { TraceContextHeaders } from './message.ts';

export interface PropagatedContext {
  traceId: Uint8Array;
  /** the caller's span: the parent of a server span, the id of the client span that sent it */
  spanId: Uint8Array;
  traceState: string;
}

const HEX = /^[0-9a-f]+$/i;

function hexId(text: string | undefined, bytes: number): Uint8Array | undefined {
  if (!text || !HEX.test(text) || text.length > bytes * 2) return undefined;
  const padded = text.padStart(bytes * 2, '0');
  const out = Buffer.from(padded, 'hex');
  return out.some((b) => b !== 0) ? new Uint8Array(out) : undefined;
}

function traceparent(value: string, state: string): PropagatedContext | undefined {
  const [version, trace, span] = value.trim().split('-');
  if (version === 'ff' || !version || version.length !== 2) return undefined;
  const traceId = trace?.length === 32 ? hexId(trace, 16) : undefined;
  const spanId = span?.length === 16 ? hexId(span, 8) : undefined;
  return traceId && spanId ? { traceId, spanId, traceState: state } : undefined;
}

function b3Single(value: string): PropagatedContext | undefined {
  const [trace, span] = value.trim().split('-');
  const traceId = hexId(trace, 16);
  const spanId = hexId(span, 8);
  return traceId && spanId ? { traceId, spanId, traceState: '' } : undefined;
}

function uberTraceId(value: string): PropagatedContext | undefined {
  const [trace, span] = decodeURIComponent(value.trim()).split(':');
  const traceId = hexId(trace, 16);
  const spanId = hexId(span, 8);
  return traceId && spanId ? { traceId, spanId, traceState: '' } : undefined;
}

/** A stable id of `bytes` bytes for an id that is not hex, so every hop maps it the same way. */
function digestId(text: string, bytes: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text).digest().subarray(0, bytes));
}

/** sw8: sample-traceId-segmentId-spanIndex-... with base64 ids that are not hex. */
function sw8(value: string): PropagatedContext | undefined {
  const parts = value.trim().split('-');
  if (parts.length < 8) return undefined;
  const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const trace = decode(parts[1]);
  const segment = decode(parts[2]);
  if (!trace || !segment) return undefined;
  return { traceId: digestId(trace, 16), spanId: digestId(`${segment}.${parts[3]}`, 8), traceState: '' };
}

/** The first context found, in the order a mixed deployment is most likely to mean. */
export function propagatedContext(h: TraceContextHeaders | undefined): PropagatedContext | undefined {
  if (!h) return undefined;
  return (
    (h.traceparent ? traceparent(h.traceparent, h.tracestate ?? '') : undefined) ??
    (h.b3 ? b3Single(h.b3) : undefined) ??
    (h.x_b3_traceid && h.x_b3_spanid ? b3Single(`${h.x_b3_traceid}-${h.x_b3_spanid}`) : undefined) ??
    (h.uber_trace_id ? uberTraceId(h.uber_trace_id) : undefined) ??
    (h.sw8 ? sw8(h.sw8) : undefined)
  );
}
