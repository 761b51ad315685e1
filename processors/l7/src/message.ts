// One parsed request or response. The snake_case fields are the columns of DeepFlow's
// l7_flow_log, so a request log is a pair of these merged; `attributes` carries the same facts
// under the OpenTelemetry semantic convention names, ready for spans and metrics.

export type MessageKind = 'request' | 'response' | 'session';
export type ResponseStatus = 'ok' | 'client_error' | 'server_error' | 'error' | 'unknown';
export type AttributeValue = string | number | boolean;

/** Trace context found in the payload, raw header values as sent. */
export interface TraceContextHeaders {
  traceparent?: string;
  tracestate?: string;
  b3?: string;
  x_b3_traceid?: string;
  x_b3_spanid?: string;
  uber_trace_id?: string;
  sw8?: string;
  x_request_id?: string;
}

export interface L7Message {
  protocol: string;
  /** request, response, or session: a one-way message that never gets an answer (MQTT QoS 0 publish, NATS PUB, ...). */
  kind: MessageKind;
  request_type?: string;
  request_domain?: string;
  request_resource?: string;
  endpoint?: string;
  request_id?: number | string;
  response_status?: ResponseStatus;
  response_code?: number;
  response_exception?: string;
  response_result?: string;
  /**
   * Pairs a response with its request when the protocol carries ids (DNS id, HTTP/2 stream,
   * Kafka correlation id, ...). Absent: pair in order (first request, first response).
   */
  pair_key?: string;
  /** Bytes of this message on the wire (headers and body, as far as seen). */
  size: number;
  /**
   * Set when the capture held only the first part of the message (it was read from that head):
   * how many of its bytes were captured. See truncated().
   */
  captured?: number;
  trace_context?: TraceContextHeaders;
  attributes: Record<string, AttributeValue>;
}

export function statusFromHttpCode(code: number): ResponseStatus {
  if (code >= 500) return 'server_error';
  if (code >= 400) return 'client_error';
  return 'ok';
}

/** Attribute names of a message read from the head the capture kept: the bytes of it that were captured. */
export const CAPTURED_BYTES_ATTRIBUTE = {
  request: 'flowtel.l7.request.captured_bytes',
  response: 'flowtel.l7.response.captured_bytes',
  session: 'flowtel.l7.request.captured_bytes',
} as const;

/**
 * Marks a message read from a head: `captured` of its `size` bytes were seen. The attribute
 * tells a span or request log that fields after the cut (later headers, the rest of a URL) are
 * missing.
 */
export function truncated<M extends L7Message>(message: M, captured: number, size: number): M {
  message.captured = captured;
  message.size = Math.max(size, captured);
  message.attributes[CAPTURED_BYTES_ATTRIBUTE[message.kind]] = captured;
  return message;
}
