import { NO_EVENTS, NO_LINKS, newResource, newScope, type ResourceSpans, type Span, type Traces } from '@flowtel/pdata';
import type { ConnectionInfo, L7Record } from '../record.ts';
import { SCOPE_NAME, SCOPE_VERSION, resourceAttributes, resourceKey, spanAttributes, spanKind, spanName, spanStatus } from './describe.ts';

/** One span per record, grouped by the process that made or served the call. */
export function recordsToTraces(records: L7Record[]): Traces {
  const byResource = new Map<string, ResourceSpans>();
  // a connection's records tend to come together: its spans' resource is found once for them
  let lastConn: ConnectionInfo | undefined;
  let spans: Span[] = [];
  for (const r of records) {
    if (r.conn !== lastConn) {
      lastConn = r.conn;
      const key = resourceKey(r);
      let rs = byResource.get(key);
      if (!rs) {
        rs = { resource: newResource(resourceAttributes(r)), schemaUrl: '', scopeSpans: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', spans: [] }] };
        byResource.set(key, rs);
      }
      spans = rs.scopeSpans[0].spans;
    }
    // a literal of every field, in newSpan's order: spreading partial fields over defaults cost a copy per span
    spans.push({
      traceId: r.ids.traceId,
      spanId: r.ids.spanId,
      traceState: r.ids.traceState,
      parentSpanId: r.ids.parentSpanId,
      flags: 0,
      name: spanName(r),
      kind: spanKind(r),
      startTimeUnixNano: r.startNs,
      endTimeUnixNano: r.endNs,
      attributes: spanAttributes(r),
      droppedAttributesCount: 0,
      events: NO_EVENTS,
      droppedEventsCount: 0,
      links: NO_LINKS,
      droppedLinksCount: 0,
      status: spanStatus(r),
    });
  }
  return { resourceSpans: [...byResource.values()] };
}
