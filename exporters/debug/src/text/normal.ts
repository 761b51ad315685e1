// verbosity: normal, about one line per item, as otelcol's "normal" marshalers write it.
import type { KeyValue, Logs, Metric, Metrics, Profiles, Traces } from '@flowtel/pdata';
import { valueAsString } from '@flowtel/pdata';
import { goF, goId, goV } from './go-format.ts';

const pairs = (attributes: KeyValue[]): string[] => attributes.map((kv) => `${kv.key}=${valueAsString(kv.value)}`);
const spaced = (attributes: KeyValue[]): string => (attributes.length > 0 ? ` ${pairs(attributes).join(' ')}` : '');
const schema = (url: string): string => (url ? ` [${url}]` : '');

function scopeDetails(name: string, version: string, schemaUrl: string): string {
  let details = name + (version ? `@${version}` : '');
  if (schemaUrl) details += `${details ? ' ' : ''}[${schemaUrl}]`;
  return details ? ` ${details}` : '';
}

export function tracesNormal(traces: Traces): string {
  const out: string[] = [];
  traces.resourceSpans.forEach((rs, i) => {
    out.push(`ResourceTraces #${i}${schema(rs.schemaUrl)}${spaced(rs.resource.attributes)}`);
    rs.scopeSpans.forEach((ss, j) => {
      out.push(
        `ScopeTraces #${j}${scopeDetails(ss.scope.name, ss.scope.version, ss.schemaUrl)}${spaced(ss.scope.attributes)}`,
      );
      for (const span of ss.spans)
        out.push(`${span.name} ${goId(span.traceId)} ${goId(span.spanId)}${spaced(span.attributes)}`);
    });
  });
  return out.map((l) => `${l}\n`).join('');
}

export function logsNormal(logs: Logs): string {
  const out: string[] = [];
  logs.resourceLogs.forEach((rl, i) => {
    out.push(`ResourceLog #${i}${schema(rl.schemaUrl)}${spaced(rl.resource.attributes)}`);
    rl.scopeLogs.forEach((sl, j) => {
      out.push(
        `ScopeLog #${j}${scopeDetails(sl.scope.name, sl.scope.version, sl.schemaUrl)}${spaced(sl.scope.attributes)}`,
      );
      for (const lr of sl.logRecords) out.push(`${valueAsString(lr.body)} ${pairs(lr.attributes).join(' ')}`);
    });
  });
  return out.map((l) => `${l}\n`).join('');
}

/** One line per profile: its id, its sample count and its attributes (from the dictionary). */
export function profilesNormal(profiles: Profiles): string {
  const d = profiles.dictionary;
  const out: string[] = [];
  profiles.resourceProfiles.forEach((rp, i) => {
    out.push(`ResourceProfiles #${i}${schema(rp.schemaUrl)}${spaced(rp.resource.attributes)}`);
    rp.scopeProfiles.forEach((sp, j) => {
      out.push(
        `ScopeProfiles #${j}${scopeDetails(sp.scope.name, sp.scope.version, sp.schemaUrl)}${spaced(sp.scope.attributes)}`,
      );
      for (const p of sp.profiles) {
        const attrs = p.attributeIndices.map((ai) => {
          const a = d.attributeTable[ai];
          if (a === undefined) return `[Missing Dictionary AttributeTable Item #${ai}]`;
          const key = d.stringTable[a.keyStrindex] ?? `[Missing Dictionary Key String Item #${a.keyStrindex}]`;
          return `${key}=${valueAsString(a.value)}`;
        });
        out.push(`${goId(p.profileId)} samples=${p.samples.length}${attrs.length > 0 ? ` ${attrs.join(' ')}` : ''}`);
      }
    });
  });
  return out.map((l) => `${l}\n`).join('');
}

export function metricsNormal(metrics: Metrics): string {
  const out: string[] = [];
  metrics.resourceMetrics.forEach((rm, i) => {
    out.push(`ResourceMetrics #${i}${schema(rm.schemaUrl)}${spaced(rm.resource.attributes)}`);
    rm.scopeMetrics.forEach((sm, j) => {
      out.push(
        `ScopeMetrics #${j}${scopeDetails(sm.scope.name, sm.scope.version, sm.schemaUrl)}${spaced(sm.scope.attributes)}`,
      );
      for (const m of sm.metrics) out.push(...metricLines(m));
    });
  });
  return out.map((l) => `${l}\n`).join('');
}

function metricLines(m: Metric): string[] {
  const line = (attributes: KeyValue[], value: string) => `${m.name}{${pairs(attributes).join(',')}} ${value}`;
  const sumMinMax = (p: { sum?: number; min?: number; max?: number }) =>
    (p.sum !== undefined ? ` sum=${goV(p.sum)}` : '') +
    (p.min !== undefined ? ` min=${goV(p.min)}` : '') +
    (p.max !== undefined ? ` max=${goV(p.max)}` : '');
  const numbers = m.gauge?.dataPoints ?? m.sum?.dataPoints;
  if (numbers) {
    return numbers.map((p) =>
      line(p.attributes, p.asInt !== undefined ? p.asInt.toString() : p.asDouble !== undefined ? goV(p.asDouble) : ''),
    );
  }
  if (m.histogram) {
    return m.histogram.dataPoints.map((p) => {
      const buckets = p.bucketCounts
        .map((c, n) => ` ${n < p.explicitBounds.length ? `le${goV(p.explicitBounds[n])}=` : ''}${c}`)
        .join('');
      return line(p.attributes, `count=${p.count}${sumMinMax(p)}${buckets}`);
    });
  }
  if (m.exponentialHistogram) {
    return m.exponentialHistogram.dataPoints.map((p) => line(p.attributes, `count=${p.count}${sumMinMax(p)}`));
  }
  if (m.summary) {
    return m.summary.dataPoints.map((p) => {
      const quantiles = p.quantileValues.map((q) => ` q${goV(q.quantile)}=${goV(q.value)}`).join('');
      return line(p.attributes, `count=${p.count} sum=${goF(p.sum)}${quantiles}`);
    });
  }
  return [];
}
