import { NO_EVENTS, NO_LINKS, newResource, newScope, type ResourceSpans, type Traces } from '@flowtel/pdata';
import type { L7Record } from '../record.ts';
import {
  SCOPE_NAME,
  SCOPE_VERSION,
  byProcess,
  resourceAttributes,
  spanAttributes,
  spanKind,
  spanName,
  spanStatus,
} from './describe.ts';

/** One span per record, grouped by the process that made or served the call. */
export function recordsToTraces(records: L7Record[]): Traces {
  const resourceSpans = byProcess(records, newResourceSpans, addSpan);
  return { resourceSpans };
}

const newResourceSpans = (r: L7Record): ResourceSpans => ({
  resource: newResource(resourceAttributes(r)),
  schemaUrl: '',
  scopeSpans: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', spans: [] }],
});

function addSpan(rs: ResourceSpans, r: L7Record): void {
  // a literal of every field, in newSpan's order: spreading partial fields over defaults cost a copy per span
  rs.scopeSpans[0].spans.push({
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
