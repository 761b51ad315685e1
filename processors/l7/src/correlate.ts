// Zero-code trace correlation. A request gets its ids when it is seen, before its response,
// so a server span's id exists when the client calls it makes are parented to it:
//  1. trace context in the payload continues the application's trace;
//  2. a client request sent by a thread that is serving a request joins that server span
//     (DeepFlow's syscall trace id: the thread's ingress, then its egress);
//  3. a server request whose connection's other end was seen as a client on this host joins
//     that client span (both ends of a loopback or same-host connection);
//  4. an x-request-id seen before links the hop to the span that carried it.
import { newSpanId, newTraceId } from './ids.ts';
import type { L7Message } from './message.ts';
import type { ConnectionInfo, SpanIds } from './record.ts';
import { propagatedContext } from './trace-context.ts';

const EMPTY = new Uint8Array(0);

/**
 * Bounded map: past the limit the entry added first goes. An entry that is set again keeps its
 * place (moving it would be a delete and an insert per request, and the map's rehashing).
 */
class BoundedMap<K, V> extends Map<K, V> {
  private readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override set(key: K, value: V): this {
    const added = !this.has(key);
    super.set(key, value);
    if (added && this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}

/** The client end > the server end: what the sessions of both ends of a connection share. */
export function flowKey(clientAddr: string, clientPort: number, serverAddr: string, serverPort: number): string {
  return `${clientAddr}:${clientPort}>${serverAddr}:${serverPort}`;
}

/** pid and tid in one number, not a string per request: Linux pids and tids are below 2^22. */
const threadKey = (pid: number, tid: number) => pid * 0x400000 + tid;

interface Active {
  traceId: Uint8Array;
  spanId: Uint8Array;
}

export interface CorrelationOptions {
  syscall: boolean;
  request_id: boolean;
}

export class Correlator {
  private readonly options: CorrelationOptions;
  /** pid and tid (threadKey) → the server span that thread is serving, undefined once answered */
  private readonly threads = new BoundedMap<number, Active | undefined>(65536);
  /** client-side flow (client addr:port>server addr:port) → its client spans, oldest first */
  private readonly flows = new BoundedMap<string, Active[]>(65536);
  private readonly requestIds = new BoundedMap<string, Active>(65536);
  /** server spans whose caller on this host was not seen yet, by flow */
  private readonly orphans = new BoundedMap<string, SpanIds>(65536);

  constructor(options: CorrelationOptions) {
    this.options = options;
  }

  /** Ids for a request just seen. */
  onRequest(conn: ConnectionInfo, request: L7Message, tid: number): SpanIds {
    const propagated = propagatedContext(request.trace_context);
    const requestId = this.options.request_id ? request.trace_context?.x_request_id : undefined;
    const thread = threadKey(conn.pid, tid);
    let ids: SpanIds;
    if (conn.role === 'server') {
      const flow = conn.flow;
      const caller = this.flows.get(flow)?.shift();
      const linked = propagated ?? caller ?? (requestId ? this.requestIds.get(requestId) : undefined);
      ids = {
        traceId: linked?.traceId ?? newTraceId(),
        spanId: newSpanId(),
        parentSpanId: linked?.spanId ?? EMPTY,
        traceState: propagated?.traceState ?? '',
      };
      // The server can read a request, even answer it, before the client's write returns (a
      // busy host): its caller may still come, and these ids are the ones its span is recorded
      // with. The next request on the flow replaces it.
      if (linked) this.orphans.delete(flow);
      else this.orphans.set(flow, ids);
      if (this.options.syscall) this.threads.set(thread, ids);
    } else {
      const serving = this.options.syscall ? this.threads.get(thread) : undefined;
      ids = {
        traceId: propagated?.traceId ?? serving?.traceId ?? newTraceId(),
        // the id the next hop sees as its parent, when the payload says it
        spanId: propagated?.spanId ?? newSpanId(),
        parentSpanId: serving?.spanId ?? EMPTY,
        traceState: propagated?.traceState ?? '',
      };
      const flow = conn.flow;
      const callee = this.orphans.get(flow);
      if (callee) {
        this.orphans.delete(flow);
        callee.traceId = ids.traceId;
        callee.parentSpanId = ids.spanId;
        return this.remember(requestId, ids);
      }
      // a client's ids are never changed afterwards, so the flow can hold them as they are
      const waiting = this.flows.get(flow);
      if (waiting === undefined) {
        this.flows.set(flow, [ids]);
      } else {
        waiting.push(ids);
        if (waiting.length > 64) waiting.shift();
      }
    }
    return this.remember(requestId, ids);
  }

  private remember(requestId: string | undefined, ids: SpanIds): SpanIds {
    if (requestId) this.requestIds.set(requestId, { traceId: ids.traceId, spanId: ids.spanId });
    return ids;
  }

  /**
   * Whether a server span (its connection and ids) still waits for its caller's request on this
   * host: its ids are the flow's orphan, which that request completes.
   */
  awaitingCaller(conn: ConnectionInfo, ids: SpanIds): boolean {
    return this.orphans.get(conn.flow) === ids;
  }

  /** The server answered: its thread no longer serves that span (the entry stays for its next request). */
  onServerResponse(conn: ConnectionInfo, tid: number, spanId: Uint8Array): void {
    const thread = threadKey(conn.pid, tid);
    if (this.threads.get(thread)?.spanId === spanId) this.threads.set(thread, undefined);
  }

  forgetConnection(conn: ConnectionInfo): void {
    if (conn.role === 'client') this.flows.delete(conn.flow);
  }
}
