// Runs a compiled closure over every item of a context in a batch, filling one reused
// TransformContext with the item and its containers. `visit` returns true to drop the item
// (the filter processor); the transform processor never drops. A container that drops leave
// empty is dropped with them, as otelcol's filter does (a scope without spans, a resource
// without scopes, a metric without data points); one that was empty already stays.
import type { Logs, Metric, Metrics, Traces } from '@flowtel/pdata';
import { type ContextName, type DataPoint, type DataPointKind, TransformContext } from './contexts.ts';

export type Visit = (tc: TransformContext) => boolean;

function resetCache(tc: TransformContext): void {
  if (tc.cache.length) tc.cache = [];
}

export function walkTraces(data: Traces, context: ContextName, visit: Visit, tc = new TransformContext()): void {
  const rss = data.resourceSpans;
  let keptRs = 0;
  for (let r = 0; r < rss.length; r++) {
    const rs = rss[r];
    tc.resource = rs.resource;
    tc.resourceHolder = rs;
    if (context === 'resource') {
      resetCache(tc);
      if (!visit(tc)) rss[keptRs++] = rs;
      continue;
    }
    const sss = rs.scopeSpans;
    let keptSs = 0;
    for (let s = 0; s < sss.length; s++) {
      const ss = sss[s];
      tc.scope = ss.scope;
      tc.scopeHolder = ss;
      if (context === 'scope') {
        resetCache(tc);
        if (!visit(tc)) sss[keptSs++] = ss;
        continue;
      }
      const spans = ss.spans;
      let kept = 0;
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i];
        tc.span = span;
        if (context === 'span') {
          resetCache(tc);
          if (!visit(tc)) spans[kept++] = span;
          continue;
        }
        spans[kept++] = span;
        const events = span.events;
        // a new list only when something is dropped: the empty event list is frozen and shared
        let keep: typeof events | undefined;
        for (let e = 0; e < events.length; e++) {
          tc.event = events[e];
          tc.eventIndex = e;
          resetCache(tc);
          if (visit(tc)) keep ??= events.slice(0, e);
          else if (keep) keep.push(events[e]);
        }
        if (keep) span.events = keep;
      }
      const emptied = kept === 0 && spans.length > 0;
      spans.length = kept;
      if (!emptied) sss[keptSs++] = ss;
    }
    const emptied = keptSs === 0 && sss.length > 0;
    sss.length = keptSs;
    if (!emptied) rss[keptRs++] = rs;
  }
  rss.length = keptRs;
}

export function walkLogs(data: Logs, context: ContextName, visit: Visit, tc = new TransformContext()): void {
  const rls = data.resourceLogs;
  let keptRl = 0;
  for (let r = 0; r < rls.length; r++) {
    const rl = rls[r];
    tc.resource = rl.resource;
    tc.resourceHolder = rl;
    if (context === 'resource') {
      resetCache(tc);
      if (!visit(tc)) rls[keptRl++] = rl;
      continue;
    }
    const sls = rl.scopeLogs;
    let keptSl = 0;
    for (let s = 0; s < sls.length; s++) {
      const sl = sls[s];
      tc.scope = sl.scope;
      tc.scopeHolder = sl;
      if (context === 'scope') {
        resetCache(tc);
        if (!visit(tc)) sls[keptSl++] = sl;
        continue;
      }
      const records = sl.logRecords;
      let kept = 0;
      for (let i = 0; i < records.length; i++) {
        tc.log = records[i];
        resetCache(tc);
        if (!visit(tc)) records[kept++] = records[i];
      }
      const emptied = kept === 0 && records.length > 0;
      records.length = kept;
      if (!emptied) sls[keptSl++] = sl;
    }
    const emptied = keptSl === 0 && sls.length > 0;
    sls.length = keptSl;
    if (!emptied) rls[keptRl++] = rl;
  }
  rls.length = keptRl;
}

/** the data points of a metric and their kind */
export function dataPointsOf(m: Metric): { points: DataPoint[]; kind: DataPointKind } | undefined {
  if (m.gauge) return { points: m.gauge.dataPoints, kind: 'number' };
  if (m.sum) return { points: m.sum.dataPoints, kind: 'number' };
  if (m.histogram) return { points: m.histogram.dataPoints, kind: 'histogram' };
  if (m.exponentialHistogram) return { points: m.exponentialHistogram.dataPoints, kind: 'exponential' };
  if (m.summary) return { points: m.summary.dataPoints, kind: 'summary' };
  return undefined;
}

/**
 * `added` collects metrics that functions create (extract_count_metric, ...): they join their
 * scope once the scope's metrics have been walked.
 */
export function walkMetrics(data: Metrics, context: ContextName, visit: Visit, tc = new TransformContext()): void {
  const rms = data.resourceMetrics;
  let keptRm = 0;
  for (let r = 0; r < rms.length; r++) {
    const rm = rms[r];
    tc.resource = rm.resource;
    tc.resourceHolder = rm;
    if (context === 'resource') {
      resetCache(tc);
      if (!visit(tc)) rms[keptRm++] = rm;
      continue;
    }
    const sms = rm.scopeMetrics;
    let keptSm = 0;
    for (let s = 0; s < sms.length; s++) {
      const sm = sms[s];
      tc.scope = sm.scope;
      tc.scopeHolder = sm;
      if (context === 'scope') {
        resetCache(tc);
        if (!visit(tc)) sms[keptSm++] = sm;
        continue;
      }
      const metrics = sm.metrics;
      const added: Metric[] = [];
      tc.addedMetrics = added;
      let kept = 0;
      for (let i = 0; i < metrics.length; i++) {
        const m = metrics[i];
        tc.metric = m;
        if (context === 'metric') {
          resetCache(tc);
          if (!visit(tc)) metrics[kept++] = m;
          continue;
        }
        const dps = dataPointsOf(m);
        if (dps) {
          tc.dpKind = dps.kind;
          const points = dps.points;
          let keptDp = 0;
          for (let d = 0; d < points.length; d++) {
            tc.dp = points[d];
            resetCache(tc);
            if (!visit(tc)) points[keptDp++] = points[d];
          }
          const emptied = keptDp === 0 && points.length > 0;
          points.length = keptDp;
          // a metric left without data points is dropped, as otelcol's filter does
          if (emptied) continue;
        }
        metrics[kept++] = m;
      }
      const emptied = kept === 0 && metrics.length > 0;
      metrics.length = kept;
      for (const m of added) metrics.push(m);
      tc.addedMetrics = undefined;
      if (!emptied || metrics.length) sms[keptSm++] = sm;
    }
    const emptied = keptSm === 0 && sms.length > 0;
    sms.length = keptSm;
    if (!emptied) rms[keptRm++] = rm;
  }
  rms.length = keptRm;
}
