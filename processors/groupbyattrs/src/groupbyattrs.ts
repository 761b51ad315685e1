import type { Counter, Histogram } from '@opentelemetry/api';
import { map, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, Processor } from '@flowtel/core';
import {
  attributesKey,
  type InstrumentationScope,
  type KeyValue,
  type Logs,
  type Metric,
  type Metrics,
  newResource,
  type Resource,
  type Traces,
} from '@flowtel/pdata';
import type { GroupByAttrsConfig } from './config.ts';

/** contrib's counters and histogram per signal: grouped items, items left, resources out */
export const METRICS = {
  traces: [
    'otelcol_processor_groupbyattrs_num_grouped_spans',
    'otelcol_processor_groupbyattrs_num_non_grouped_spans',
    'otelcol_processor_groupbyattrs_span_groups',
  ],
  logs: [
    'otelcol_processor_groupbyattrs_num_grouped_logs',
    'otelcol_processor_groupbyattrs_num_non_grouped_logs',
    'otelcol_processor_groupbyattrs_log_groups',
  ],
  metrics: [
    'otelcol_processor_groupbyattrs_num_grouped_metrics',
    'otelcol_processor_groupbyattrs_num_non_grouped_metrics',
    'otelcol_processor_groupbyattrs_metric_groups',
  ],
} as const;

type Signal = keyof typeof METRICS;
const DESCRIPTIONS: Record<Signal, [string, string, string]> = {
  traces: [
    'Number of spans that had attributes grouped',
    'Number of spans that did not have attributes grouped',
    'Distribution of groups extracted for spans',
  ],
  logs: [
    'Number of logs that had attributes grouped',
    'Number of logs that did not have attributes grouped',
    'Distribution of groups extracted for logs',
  ],
  metrics: [
    'Number of metrics that had attributes grouped',
    'Number of metrics that did not have attributes grouped',
    'Distribution of groups extracted for metrics',
  ],
};

interface Group<S> {
  resource: Resource;
  scopes: { scope: InstrumentationScope; entry: S }[];
}

/**
 * The output under construction: resources by their attributes (the origin's with the grouped
 * ones put over them), scopes in them by name and version, as contrib's findOrCreate* and
 * matchingScope* find them.
 */
class Groups<S> {
  private readonly byKey = new Map<string, Group<S>>();

  constructor(private readonly newEntry: () => S) {}

  scope(origin: Resource, grouped: KeyValue[], scope: InstrumentationScope): S {
    let attrs = origin.attributes;
    if (grouped.length > 0) {
      attrs = [...attrs];
      for (const kv of grouped) {
        const i = attrs.findIndex((a) => a.key === kv.key);
        if (i >= 0) attrs[i] = kv;
        else attrs.push(kv);
      }
    }
    const key = attributesKey(attrs);
    let group = this.byKey.get(key);
    // contrib builds a new resource: attributes only
    if (!group) this.byKey.set(key, (group = { resource: newResource(attrs), scopes: [] }));
    let s = group.scopes.find((x) => x.scope.name === scope.name && x.scope.version === scope.version);
    if (!s) group.scopes.push((s = { scope, entry: this.newEntry() }));
    return s.entry;
  }

  get all(): Group<S>[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}

/**
 * contrib's groupbyattrs processor: for each span, log record and data point, the configured
 * attributes it has move to its resource (a copy of the origin resource with them put over its
 * own), and items with equal resources and scopes (name and version) end up together; with no
 * keys it only compacts. The batch that leaves is a new one built from the items.
 */
export class GroupByAttrsProcessor implements Processor {
  private readonly keys: string[];
  private readonly counters: Record<Signal, [Counter, Counter, Histogram]>;

  constructor(
    private readonly settings: CreateSettings,
    config: GroupByAttrsConfig,
  ) {
    const keys: string[] = [];
    for (const k of config.keys) {
      if (k === '') continue;
      if (keys.includes(k)) settings.logger.warn({ key: k }, 'A grouping key is already present');
      else keys.push(k);
    }
    this.keys = keys;
    const instruments = (s: Signal): [Counter, Counter, Histogram] => {
      const [grouped, nonGrouped, groups] = METRICS[s];
      const [dg, dn, dh] = DESCRIPTIONS[s];
      return [
        settings.meter.createCounter(grouped, { description: dg, unit: '1' }),
        settings.meter.createCounter(nonGrouped, { description: dn, unit: '1' }),
        settings.meter.createHistogram(groups, { description: dh, unit: '1' }),
      ];
    };
    this.counters = { traces: instruments('traces'), logs: instruments('logs'), metrics: instruments('metrics') };
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      if (batch.signal === 'traces') batch.data = this.traces(batch.data);
      else if (batch.signal === 'logs') batch.data = this.logs(batch.data);
      else if (batch.signal === 'metrics') batch.data = this.metrics(batch.data);
      return batch;
    });
  }

  /** The grouping attributes of `attrs` (in the order of `keys`), removed from `attrs`' owner's list. */
  private extract(attrs: KeyValue[], signal: Signal): [KeyValue[], KeyValue[]] {
    const grouped: KeyValue[] = [];
    for (const k of this.keys) {
      const kv = attrs.find((a) => a.key === k);
      if (kv) grouped.push(kv);
    }
    const [groupedCount, nonGroupedCount] = this.counters[signal];
    if (grouped.length === 0) {
      nonGroupedCount.add(1);
      return [grouped, attrs];
    }
    groupedCount.add(1);
    return [grouped, attrs.filter((a) => !grouped.includes(a))];
  }

  traces(data: Traces): Traces {
    const groups = new Groups<Traces['resourceSpans'][number]['scopeSpans'][number]['spans']>(() => []);
    for (const rs of data.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const [grouped, rest] = this.extract(span.attributes, 'traces');
          span.attributes = rest;
          groups.scope(rs.resource, grouped, ss.scope).push(span);
        }
      }
    }
    this.counters.traces[2].record(groups.size);
    return {
      resourceSpans: groups.all.map((g) => ({
        resource: g.resource,
        scopeSpans: g.scopes.map((s) => ({ scope: s.scope, spans: s.entry, schemaUrl: '' })),
        schemaUrl: '',
      })),
    };
  }

  logs(data: Logs): Logs {
    const groups = new Groups<Logs['resourceLogs'][number]['scopeLogs'][number]['logRecords']>(() => []);
    for (const rl of data.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const record of sl.logRecords) {
          const [grouped, rest] = this.extract(record.attributes, 'logs');
          record.attributes = rest;
          groups.scope(rl.resource, grouped, sl.scope).push(record);
        }
      }
    }
    this.counters.logs[2].record(groups.size);
    return {
      resourceLogs: groups.all.map((g) => ({
        resource: g.resource,
        scopeLogs: g.scopes.map((s) => ({ scope: s.scope, logRecords: s.entry, schemaUrl: '' })),
        schemaUrl: '',
      })),
    };
  }

  metrics(data: Metrics): Metrics {
    const groups = new Groups<Metric[]>(() => []);
    for (const rm of data.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const body = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
          for (const dp of body?.dataPoints ?? []) {
            const [grouped, rest] = this.extract(dp.attributes, 'metrics');
            dp.attributes = rest;
            const metrics = groups.scope(rm.resource, grouped, sm.scope);
            const target = metricIn(metrics, m);
            const points = (target.gauge ??
              target.sum ??
              target.histogram ??
              target.exponentialHistogram ??
              target.summary)!.dataPoints as unknown[];
            points.push(dp);
          }
        }
      }
    }
    this.counters.metrics[2].record(groups.size);
    return {
      resourceMetrics: groups.all.map((g) => ({
        resource: g.resource,
        scopeMetrics: g.scopes.map((s) => ({ scope: s.scope, metrics: s.entry, schemaUrl: '' })),
        schemaUrl: '',
      })),
    };
  }
}

const typeOf = (m: Metric) =>
  m.gauge
    ? 'gauge'
    : m.sum
      ? 'sum'
      : m.histogram
        ? 'histogram'
        : m.exponentialHistogram
          ? 'exp'
          : m.summary
            ? 'summary'
            : '';

/** contrib's getMetricInInstrumentationLibrary: the metric of that name and type, made empty when missing. */
function metricIn(metrics: Metric[], like: Metric): Metric {
  const found = metrics.find((m) => m.name === like.name && typeOf(m) === typeOf(like));
  if (found) return found;
  const m: Metric = { name: like.name, description: like.description, unit: like.unit, metadata: like.metadata };
  if (like.gauge) m.gauge = { dataPoints: [] };
  else if (like.sum) {
    m.sum = {
      dataPoints: [],
      aggregationTemporality: like.sum.aggregationTemporality,
      isMonotonic: like.sum.isMonotonic,
    };
  } else if (like.histogram) {
    m.histogram = { dataPoints: [], aggregationTemporality: like.histogram.aggregationTemporality };
  } else if (like.exponentialHistogram) {
    m.exponentialHistogram = {
      dataPoints: [],
      aggregationTemporality: like.exponentialHistogram.aggregationTemporality,
    };
  } else if (like.summary) m.summary = { dataPoints: [] };
  metrics.push(m);
  return m;
}
