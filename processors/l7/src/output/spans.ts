import { newResource, newScope, newSpan, type ResourceSpans, type Traces } from '@flowtel/pdata';
import type { L7Record } from '../record.ts';
import { SCOPE_NAME, SCOPE_VERSION, resourceAttributes, resourceKey, spanAttributes, spanKind, spanName, spanStatus } from './describe.ts';

/** One span per record, grouped by the process that made or served the call. */
export function recordsToTraces(records: L7Record[]): Traces {
  const byResource = new Map<string, ResourceSpans>();
  for (const r of records) {
    const key = resourceKey(r);
    let rs = byResource.get(key);
    if (!rs) {
      rs = { resource: newResource(resourceAttributes(r)), schemaUrl: '', scopeSpans: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', spans: [] }] };
      byResource.set(key, rs);
    }
    rs.scopeSpans[0].spans.push(
      newSpan({
        traceId: r.ids.traceId,
        spanId: r.ids.spanId,
        parentSpanId: r.ids.parentSpanId,
        traceState: r.ids.traceState,
        name: spanName(r),
        kind: spanKind(r),
        startTimeUnixNano: r.startNs,
        endTimeUnixNano: r.endNs,
        attributes: spanAttributes(r),
        status: spanStatus(r),
      }),
    );
  }
  return { resourceSpans: [...byResource.values()] };
}
