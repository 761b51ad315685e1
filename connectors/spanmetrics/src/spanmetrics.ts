// R.E.D. metrics from spans, as contrib's spanmetrics connector makes them: per resource (its
// attributes, or those resource_metrics_key_attributes keep, identify it) and per set of
// dimension values, a `calls` sum, a `duration` histogram and, when enabled, an `events` sum,
// handed to the metrics pipelines every metrics_flush_interval.
import type { Batch, Connector, Consumer, CreateSettings, Consumers } from '@flowtel/core';
import { permanent } from '@flowtel/core';
import {
  AggregationTemporality,
  ExponentialHistogramRecorder,
  SPAN_KIND_NAMES,
  STATUS_CODES,
  bucketIndex,
  newScope,
  valueAsString,
  type AnyValue,
  type Exemplar,
  type KeyValue,
  type Metric,
  type Metrics,
  type ResourceMetrics,
  type ResourceSpans,
  type Span,
} from '@flowtel/pdata';
import {
  DEFAULT_BUCKETS_MS,
  SERVICE_NAME,
  SPAN_KIND,
  SPAN_NAME,
  STATUS_CODE,
  type Dimension,
  type SpanMetricsConfig,
} from './config.ts';

const OVERFLOW_KEY = 'otel.metric.overflow';
const SCOPE_NAME = 'spanmetricsconnector';
const SEP = '\u0000';
const NS_PER_MS = 1_000_000;

/** One set of dimension values: its calls, its durations, its exemplars. */
interface Series {
  attributes: KeyValue[];
  calls: number;
  /** explicit buckets' counts, or the exponential recorder */
  buckets?: Float64Array;
  expo?: ExponentialHistogramRecorder;
  sum: number;
  exemplars: Exemplar[];
  start: bigint;
  lastSeen: number;
}

interface ResourceState {
  /** its identity: the (kept) resource attributes */
  key: string;
  attributes: KeyValue[];
  series: Map<string, Series>;
  events: Map<string, Series>;
}

function spanKindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? SPAN_KIND_NAMES[0];
}

function find(attributes: KeyValue[], key: string): AnyValue | undefined {
  for (let i = 0; i < attributes.length; i++) if (attributes[i].key === key) return attributes[i].value;
  return undefined;
}

/** A monotonic sum of the series' counts (calls, events). */
function countMetric(name: string, series: Series[], ts: bigint, temporality: number): Metric {
  return {
    name,
    description: '',
    unit: '',
    metadata: [],
    sum: {
      aggregationTemporality: temporality,
      isMonotonic: true,
      dataPoints: series.map((s) => ({
        attributes: s.attributes,
        startTimeUnixNano: s.start,
        timeUnixNano: ts,
        asInt: BigInt(s.calls),
        exemplars: s.exemplars,
        flags: 0,
      })),
    },
  };
}

/** A series' identity across delta flushes: its resource, its metric (calls or events), its key. */
const flushKey = (state: ResourceState, map: Map<string, Series>, key: string) =>
  `${state.key}${SEP}${map === state.events ? 'e' : 'c'}${SEP}${key}`;

export class SpanMetricsConnector implements Connector {
  private readonly config: SpanMetricsConfig;
  private readonly settings: CreateSettings;
  private readonly next: Consumer | undefined;
  private readonly resources = new Map<string, ResourceState>();
  private readonly delta: boolean;
  /** the series key's last flush time: the next delta point's start (metric_timestamp_cache_size) */
  private readonly lastFlush = new Map<string, bigint>();
  private readonly bounds: number[] | undefined;
  private readonly divider: number;
  private readonly exclude: Set<string>;
  private readonly keyAttributes: Set<string>;
  private readonly includeScopes: Set<string>;
  private readonly eventDimensions: Dimension[];
  private readonly names: { calls: string; duration: string; events: string };
  private timer?: NodeJS.Timeout;

  constructor(settings: CreateSettings, config: SpanMetricsConfig, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.next = consumers.metrics;
    this.delta = config.aggregation_temporality === 'AGGREGATION_TEMPORALITY_DELTA';
    this.divider = config.histogram.unit === 'ms' ? NS_PER_MS : 1e9;
    const h = config.histogram;
    if (!h.exponential) {
      const explicit = h.explicit?.buckets;
      // config durations are milliseconds
      this.bounds = explicit
        ? explicit.map((ms) => (h.unit === 'ms' ? ms : ms / 1000))
        : DEFAULT_BUCKETS_MS.map((ms) => (h.unit === 'ms' ? ms : ms / 1000));
    }
    this.exclude = new Set(config.exclude_dimensions);
    this.keyAttributes = new Set(config.resource_metrics_key_attributes);
    this.includeScopes = new Set(config.include_instrumentation_scope);
    this.eventDimensions = [...config.dimensions, ...config.events.dimensions];
    const ns = config.namespace;
    const name = (n: string) => (ns ? `${ns}.${n}` : n);
    this.names = { calls: name('calls'), duration: name('duration'), events: name('events') };
    if (config.dimensions_cache_size !== undefined)
      settings.logger.warn('dimensions_cache_size is deprecated, please use aggregation_cardinality_limit instead');
  }

  async start(): Promise<void> {
    if (this.timer || this.config.metrics_flush_interval <= 0) return;
    this.timer = setInterval(() => this.flush(), this.config.metrics_flush_interval);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    // as contrib: the downstream pipelines have closed by now, so nothing is flushed at shutdown
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  consume(batch: Batch): Promise<void> {
    if (batch.signal !== 'traces')
      return Promise.reject(permanent(`spanmetrics connector takes traces, not ${batch.signal}`));
    this.aggregate(batch.data.resourceSpans);
    return Promise.resolve();
  }

  /** The span's metrics into its resource's series. */
  aggregate(resourceSpans: ResourceSpans[]): void {
    const now = Date.now();
    const startTs = BigInt(now) * 1_000_000n;
    const cfg = this.config;
    const histogramOn = !cfg.histogram.disable;
    for (const rs of resourceSpans) {
      const resourceAttrs = rs.resource.attributes;
      const service = find(resourceAttrs, SERVICE_NAME);
      if (service === undefined) continue;
      const serviceName = 'stringValue' in service ? service.stringValue : valueAsString(service);
      const state = this.resourceState(resourceAttrs);
      for (const ss of rs.scopeSpans) {
        const scopeName = ss.scope.name;
        const scopeIncluded = scopeName !== '' && this.includeScopes.has(scopeName);
        for (const span of ss.spans) {
          const duration =
            span.endTimeUnixNano > span.startTimeUnixNano
              ? Number(span.endTimeUnixNano - span.startTimeUnixNano) / this.divider
              : 0;
          const key = this.key(serviceName, span, cfg.dimensions, resourceAttrs, undefined);
          let series = state.series.get(key);
          if (series === undefined) {
            series = this.newSeries(
              state,
              state.series,
              key,
              () =>
                this.attributes(
                  serviceName,
                  span,
                  cfg.dimensions,
                  resourceAttrs,
                  undefined,
                  scopeIncluded ? ss.scope : undefined,
                ),
              startTs,
            );
          }
          series.calls++;
          series.lastSeen = now;
          if (histogramOn) this.observe(series, duration);
          if (cfg.exemplars.enabled) this.exemplar(series, span, duration, startTs);
          if (cfg.events.enabled && span.events.length > 0) {
            for (const event of span.events) {
              const eKey = this.key(serviceName, span, this.eventDimensions, resourceAttrs, event.attributes);
              let e = state.events.get(eKey);
              if (e === undefined)
                e = this.newSeries(
                  state,
                  state.events,
                  eKey,
                  () =>
                    this.attributes(
                      serviceName,
                      span,
                      this.eventDimensions,
                      resourceAttrs,
                      event.attributes,
                      scopeIncluded ? ss.scope : undefined,
                    ),
                  startTs,
                );
              e.calls++;
              e.lastSeen = now;
              if (cfg.exemplars.enabled) this.exemplar(e, span, duration, startTs);
            }
          }
        }
      }
    }
  }

  private resourceState(attributes: KeyValue[]): ResourceState {
    const keyAttrs =
      this.keyAttributes.size === 0 ? attributes : attributes.filter((kv) => this.keyAttributes.has(kv.key));
    const key = keyAttrs
      .map((kv) => `${kv.key}=${valueAsString(kv.value)}`)
      .sort()
      .join(SEP);
    let state = this.resources.get(key);
    if (state !== undefined) {
      // least recently used goes first when resource_metrics_cache_size is reached
      this.resources.delete(key);
      this.resources.set(key, state);
      return state;
    }
    state = { key, attributes, series: new Map(), events: new Map() };
    this.resources.set(key, state);
    if (this.resources.size > this.config.resource_metrics_cache_size)
      this.resources.delete(this.resources.keys().next().value as string);
    return state;
  }

  /** A new series, or the overflow series once aggregation_cardinality_limit series exist. */
  private newSeries(
    state: ResourceState,
    map: Map<string, Series>,
    key: string,
    attributes: () => KeyValue[],
    start: bigint,
  ): Series {
    const limit = this.config.aggregation_cardinality_limit;
    if (limit > 0 && map.size >= limit) {
      const overflow = map.get(OVERFLOW_KEY);
      if (overflow) return overflow;
      key = OVERFLOW_KEY;
      attributes = () => [{ key: OVERFLOW_KEY, value: { boolValue: true } }];
    }
    const s: Series = {
      attributes: attributes(),
      calls: 0,
      sum: 0,
      exemplars: [],
      start: this.delta ? (this.lastFlush.get(flushKey(state, map, key)) ?? start) : start,
      lastSeen: 0,
    };
    if (this.bounds) s.buckets = new Float64Array(this.bounds.length + 1);
    else s.expo = new ExponentialHistogramRecorder(this.config.histogram.exponential!.max_size);
    map.set(key, s);
    return s;
  }

  private observe(s: Series, value: number): void {
    if (s.buckets) {
      s.buckets[bucketIndex(this.bounds!, value)]++;
      s.sum += value;
    } else s.expo!.record(value);
  }

  private exemplar(s: Series, span: Span, value: number, time: bigint): void {
    if (span.traceId.length === 0 || s.exemplars.length >= this.config.exemplars.max_per_data_point) return;
    s.exemplars.push({
      filteredAttributes: [],
      timeUnixNano: time,
      asDouble: value,
      spanId: span.spanId,
      traceId: span.traceId,
    });
  }

  /** A dimension's value: the span's attribute, else the resource's (or the event's), else its default. */
  private dimension(
    d: Dimension,
    span: Span,
    resourceAttrs: KeyValue[],
    eventAttrs: KeyValue[] | undefined,
  ): AnyValue | undefined {
    const v = find(span.attributes, d.name) ?? (eventAttrs && find(eventAttrs, d.name)) ?? find(resourceAttrs, d.name);
    if (v !== undefined) return v;
    return d.default === undefined ? undefined : { stringValue: d.default };
  }

  private key(
    service: string,
    span: Span,
    dims: Dimension[],
    resourceAttrs: KeyValue[],
    eventAttrs: KeyValue[] | undefined,
  ): string {
    const ex = this.exclude;
    let key = ex.has(SERVICE_NAME) ? '' : service;
    if (!ex.has(SPAN_NAME)) key += SEP + span.name;
    if (!ex.has(SPAN_KIND)) key += SEP + span.kind;
    if (!ex.has(STATUS_CODE)) key += SEP + span.status.code;
    for (let i = 0; i < dims.length; i++) {
      const v = this.dimension(dims[i], span, resourceAttrs, eventAttrs);
      // a missing dimension without default is left out of the metric, so the key marks its absence
      key += v === undefined ? `${SEP}\u0001` : SEP + ('stringValue' in v ? v.stringValue : valueAsString(v));
    }
    return key;
  }

  private attributes(
    service: string,
    span: Span,
    dims: Dimension[],
    resourceAttrs: KeyValue[],
    eventAttrs: KeyValue[] | undefined,
    scope: { name: string; version: string } | undefined,
  ): KeyValue[] {
    const ex = this.exclude;
    const out: KeyValue[] = [];
    if (!ex.has(SERVICE_NAME)) out.push({ key: SERVICE_NAME, value: { stringValue: service } });
    if (!ex.has(SPAN_NAME)) out.push({ key: SPAN_NAME, value: { stringValue: span.name } });
    if (!ex.has(SPAN_KIND)) out.push({ key: SPAN_KIND, value: { stringValue: spanKindName(span.kind) } });
    if (!ex.has(STATUS_CODE))
      out.push({ key: STATUS_CODE, value: { stringValue: STATUS_CODES[span.status.code] ?? STATUS_CODES[0] } });
    for (const d of dims) {
      const v = this.dimension(d, span, resourceAttrs, eventAttrs);
      if (v !== undefined) out.push({ key: d.name, value: v });
    }
    if (scope) {
      out.push({ key: 'span.instrumentation.scope.name', value: { stringValue: scope.name } });
      if (scope.version) out.push({ key: 'span.instrumentation.scope.version', value: { stringValue: scope.version } });
    }
    return out;
  }

  /** Builds the metrics of every resource, resets what the temporality says, and hands them on. */
  flush(): void {
    const metrics = this.build(Date.now());
    if (metrics.resourceMetrics.length === 0 || !this.next) return;
    let items = 0;
    for (const rm of metrics.resourceMetrics)
      for (const m of rm.scopeMetrics[0].metrics)
        items +=
          (m.sum?.dataPoints.length ?? 0) +
          (m.histogram?.dataPoints.length ?? 0) +
          (m.exponentialHistogram?.dataPoints.length ?? 0);
    this.next.consume({ signal: 'metrics', items, data: metrics }).catch((err: unknown) => {
      this.settings.logger.error({ err: String(err), data_points: items }, 'Failed ConsumeMetrics');
    });
  }

  /** The metrics as of `nowMs`; afterwards delta series start over, stale cumulative ones go. */
  build(nowMs: number): Metrics {
    const cfg = this.config;
    const ts = BigInt(nowMs) * 1_000_000n;
    const temporality = this.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const resourceMetrics: ResourceMetrics[] = [];
    for (const state of this.resources.values()) {
      if (state.series.size === 0 && state.events.size === 0) continue;
      const metrics: Metric[] = [];
      const series = [...state.series.values()];
      metrics.push(countMetric(this.names.calls, series, ts, temporality));
      if (!cfg.histogram.disable) {
        const base = { name: this.names.duration, description: '', unit: cfg.histogram.unit, metadata: [] };
        if (this.bounds)
          metrics.push({
            ...base,
            histogram: {
              aggregationTemporality: temporality,
              dataPoints: series.map((s) => ({
                attributes: s.attributes,
                startTimeUnixNano: s.start,
                timeUnixNano: ts,
                count: BigInt(s.calls),
                sum: s.sum,
                bucketCounts: Array.from(s.buckets!, (c) => BigInt(c)),
                explicitBounds: this.bounds!,
                exemplars: s.exemplars,
                flags: 0,
              })),
            },
          });
        else
          metrics.push({
            ...base,
            exponentialHistogram: {
              aggregationTemporality: temporality,
              dataPoints: series.map((s) =>
                s.expo!.fill({
                  attributes: s.attributes,
                  startTimeUnixNano: s.start,
                  timeUnixNano: ts,
                  exemplars: s.exemplars,
                }),
              ),
            },
          });
      }
      if (cfg.events.enabled && state.events.size > 0)
        metrics.push(countMetric(this.names.events, [...state.events.values()], ts, temporality));
      resourceMetrics.push({
        resource: { attributes: state.attributes, droppedAttributesCount: 0, entityRefs: [] },
        schemaUrl: '',
        scopeMetrics: [{ scope: newScope(SCOPE_NAME), schemaUrl: '', metrics }],
      });
    }
    this.reset(nowMs, ts);
    return { resourceMetrics };
  }

  private reset(nowMs: number, ts: bigint): void {
    if (this.delta) {
      // the next point of each series starts where this one ended
      for (const state of this.resources.values())
        for (const map of [state.series, state.events])
          for (const key of map.keys()) {
            const k = flushKey(state, map, key);
            this.lastFlush.delete(k);
            this.lastFlush.set(k, ts);
            if (this.lastFlush.size > this.config.metric_timestamp_cache_size)
              this.lastFlush.delete(this.lastFlush.keys().next().value as string);
          }
      this.resources.clear();
      return;
    }
    const expiration = this.config.metrics_expiration;
    for (const [rkey, state] of this.resources) {
      for (const map of [state.series, state.events])
        for (const [key, s] of map) {
          // exemplars belong to the spans of one flush interval
          if (s.exemplars.length) s.exemplars = [];
          if (expiration > 0 && nowMs - s.lastSeen >= expiration) map.delete(key);
        }
      if (state.series.size === 0 && state.events.size === 0) this.resources.delete(rkey);
    }
  }
}
