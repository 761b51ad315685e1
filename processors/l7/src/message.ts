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
  trace_context?: TraceContextHeaders;
  attributes: Record<string, AttributeValue>;
}

export function statusFromHttpCode(code: number): ResponseStatus {
  if (code >= 500) return 'server_error';
  if (code >= 400) return 'client_error';
  return 'ok';
}
