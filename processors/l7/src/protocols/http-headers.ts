// What HTTP/1 and HTTP/2 do alike with a header once it is decoded: trace context, captured
// headers (redacted), the request's host and path split into semantic-convention attributes.

import type { AttributeValue, TraceContextHeaders } from '../message.ts';
import type { ParseOptions } from '../parser.ts';
import { REDACTED, isSecretHeader, redactQuery } from '../redact.ts';

const TRACE_HEADERS: Record<string, keyof TraceContextHeaders> = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  b3: 'b3',
  'x-b3-traceid': 'x_b3_traceid',
  'x-b3-spanid': 'x_b3_spanid',
  'uber-trace-id': 'uber_trace_id',
  sw8: 'sw8',
  'x-request-id': 'x_request_id',
};

export const TRACE_HEADER_NAMES = Object.keys(TRACE_HEADERS);

/** Collects the parts of a header block that become message fields. */
export class HeaderSink {
  trace: TraceContextHeaders | undefined;
  attributes: Record<string, AttributeValue> = {};

  constructor(
    private readonly options: ParseOptions,
    private side: 'request' | 'response',
  ) {}

  /** Empties the sink for another header block, so a connection can keep one sink instead of making one per message. */
  restart(side: 'request' | 'response'): void {
    this.side = side;
    this.trace = undefined;
    this.attributes = {};
  }

  /** Whether `add` would keep a header of this (lower-case) name: the parser can skip making its value's string. */
  wants(name: string): boolean {
    return (
      TRACE_HEADERS[name] !== undefined ||
      (this.options.captureHeaders.length > 0 && this.options.captureHeaders.includes(name))
    );
  }

  /** `name` must be lower case. */
  add(name: string, value: string): void {
    const traceKey = TRACE_HEADERS[name];
    if (traceKey) (this.trace ??= {})[traceKey] = value;
    if (this.options.captureHeaders.length > 0 && this.options.captureHeaders.includes(name)) {
      const shown = this.options.redact && isSecretHeader(name) ? REDACTED : value;
      const key = `http.${this.side}.header.${name}`;
      const before = this.attributes[key];
      this.attributes[key] = before === undefined ? shown : `${before}, ${shown}`;
    }
  }
}

interface HostParts {
  address: string;
  port: number | undefined;
}

/** Host values seen lately, split: a connection sends the same one with every request. Bounded: starts over when full. */
const HOSTS_KEPT = 1024;
const hostParts = new Map<string, HostParts>();

function splitHost(host: string): HostParts {
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = bracket >= 0 ? host.indexOf(':', bracket) : host.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(host.slice(colon + 1)))
    return { address: host.slice(0, colon), port: Number(host.slice(colon + 1)) };
  return { address: host, port: undefined };
}

/** server.address / server.port from a Host header or :authority. */
export function hostAttributes(host: string, attributes: Record<string, AttributeValue>): void {
  if (!host) return;
  let parts = hostParts.get(host);
  if (parts === undefined) {
    if (hostParts.size >= HOSTS_KEPT) hostParts.clear();
    hostParts.set(host, (parts = splitHost(host)));
  }
  attributes['server.address'] = parts.address;
  if (parts.port !== undefined) attributes['server.port'] = parts.port;
}

/** Splits a request target into path and query. */
export function splitTarget(
  target: string,
  options: ParseOptions,
): { path: string; query: string | undefined; shown: string } {
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: undefined, shown: target };
  const query = target.slice(q + 1);
  if (!options.redact) return { path: target.slice(0, q), query, shown: target };
  // the values of secret parameters are hidden in every field the target reaches
  const redacted = redactQuery(query, options.secretQueryParameters);
  return {
    path: target.slice(0, q),
    query: redacted,
    shown: redacted === query ? target : `${target.slice(0, q + 1)}${redacted}`,
  };
}
