// OTLP metrics to Prometheus time series, as the contrib translator
// (pkg/translator/prometheusremotewrite) does it. Points that Prometheus cannot take (delta
// temporality, exponential scales below -4, names with nothing left after escaping) are
// dropped and reported, and the rest still goes out.
import type {
  Exemplar as OtlpExemplar,
  HistogramDataPoint,
  KeyValue,
  Metric,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
} from '@flowtel/pdata';
import { AggregationTemporality, metricDataPoints } from '@flowtel/pdata';
import { formatFloat } from './format.ts';
import type { BaseLabels, SeriesLabels, ServiceIdentity } from './labels.ts';
import {
  anyValueToString,
  LabelBuilder,
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  sameLabels,
  serviceIdentity,
} from './labels.ts';
import { toNativeHistogram } from './native-histogram.ts';
import type { NamedKind, TranslationStrategy } from './naming.ts';
import { LabelNamer, MetricNamer } from './naming.ts';
import type { Exemplar, Label, MetricMetadata, Sample, TimeSeries } from './series.ts';
import { MetricType } from './series.ts';

export interface TranslateSettings {
  strategy: TranslationStrategy;
  namespace: string;
  /** already sanitized */
  externalLabels: Label[];
  targetInfo: boolean;
  exportCreatedMetric: boolean;
  resourceToTelemetry: boolean;
  /** with resourceToTelemetry: leave out the attributes that job and instance already carry */
  excludeServiceAttributes: boolean;
  sendMetadata: boolean;
}

export interface Translation {
  /** one per label set, samples merged */
  series: TimeSeries[];
  metadata: MetricMetadata[];
  /** why points were dropped, one entry per metric (or per point, for histogram scales) */
  errors: string[];
  droppedPoints: number;
}

/** DataPointFlags.NO_RECORDED_VALUE: the series has gone away; Prometheus gets a staleness marker. */
const FLAG_NO_RECORDED_VALUE = 1;
const IDENTIFYING_ATTRIBUTES: ReadonlySet<string> = new Set([SERVICE_NAMESPACE, SERVICE_NAME, SERVICE_INSTANCE_ID]);
/** contrib's cap on the runes of an exemplar's labels; past it the filtered attributes are left off */
const MAX_EXEMPLAR_RUNES = 128;

let lastNs = -1n;
let lastMs = 0;
/** Nanoseconds to milliseconds, exactly; the points of a batch mostly share a timestamp. */
const toMs = (ns: bigint): number => {
  if (ns !== lastNs) {
    lastNs = ns;
    lastMs = Number(ns / 1_000_000n);
  }
  return lastMs;
};
const pointValue = (p: { asDouble?: number; asInt?: bigint }) =>
  p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : 0);
const hex = (id: Uint8Array) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
const isEmptyId = (id: Uint8Array) => id.length === 0 || id.every((b) => b === 0);

function latestTimestamp(m: Metric): bigint {
  let latest = 0n;
  const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  for (const p of data?.dataPoints ?? []) if (p.timeUnixNano > latest) latest = p.timeUnixNano;
  return latest;
}

/** Prometheus can only take cumulative sums and histograms. */
function hasValidTemporality(m: Metric): boolean {
  const temporality = (m.sum ?? m.histogram ?? m.exponentialHistogram)?.aggregationTemporality;
  return temporality === undefined || temporality === AggregationTemporality.CUMULATIVE;
}

function namedKind(m: Metric): NamedKind {
  if (m.sum?.isMonotonic) return 'counter';
  if (m.gauge) return 'gauge';
  return 'other';
}

function metadataType(m: Metric): number {
  if (m.gauge) return MetricType.GAUGE;
  if (m.sum) return m.sum.isMonotonic ? MetricType.COUNTER : MetricType.GAUGE;
  if (m.histogram || m.exponentialHistogram) return MetricType.HISTOGRAM;
  if (m.summary) return MetricType.SUMMARY;
  return MetricType.UNKNOWN;
}

function toExemplars(exemplars: OtlpExemplar[]): Exemplar[] {
  return exemplars.map((e) => {
    const labels: Label[] = [];
    let runes = 0;
    if (!isEmptyId(e.traceId)) {
      const value = hex(e.traceId);
      labels.push({ name: 'trace_id', value });
      runes += 'trace_id'.length + value.length;
    }
    if (!isEmptyId(e.spanId)) {
      const value = hex(e.spanId);
      labels.push({ name: 'span_id', value });
      runes += 'span_id'.length + value.length;
    }
    const filtered: Label[] = [];
    for (const kv of e.filteredAttributes) {
      const value = anyValueToString(kv.value);
      runes += [...kv.key].length + [...value].length;
      filtered.push({ name: kv.key, value });
    }
    if (runes <= MAX_EXEMPLAR_RUNES) labels.push(...filtered);
    return {
      labels,
      value: e.asDouble ?? (e.asInt !== undefined ? Number(e.asInt) : 0),
      timestamp: toMs(e.timeUnixNano),
    };
  });
}

/** One translation run: the series it builds up, merged by label set. */
class Conversion {
  readonly series: TimeSeries[] = [];
  /** by hash; a rare hash collision chains to an array */
  private readonly byHash = new Map<number, TimeSeries | TimeSeries[]>();
  readonly errors: string[] = [];
  droppedPoints = 0;

  find({ labels, hash }: SeriesLabels): TimeSeries | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameLabels(found.labels, labels) ? found : undefined;
    return found.find((ts) => sameLabels(ts.labels, labels));
  }

  private create({ labels, hash }: SeriesLabels): TimeSeries {
    const ts: TimeSeries = { labels, hash, samples: [], exemplars: [], histograms: [] };
    const found = this.byHash.get(hash);
    if (found === undefined) this.byHash.set(hash, ts);
    else if (Array.isArray(found)) found.push(ts);
    else this.byHash.set(hash, [found, ts]);
    this.series.push(ts);
    return ts;
  }

  seriesFor(labels: SeriesLabels): TimeSeries {
    return this.find(labels) ?? this.create(labels);
  }

  addSample(labels: SeriesLabels, sample: Sample): TimeSeries {
    const ts = this.seriesFor(labels);
    ts.samples.push(sample);
    return ts;
  }

  /** A `_created` series, only when no series has these labels yet (contrib's addTimeSeriesIfNeeded). */
  addCreated(labels: SeriesLabels, startNs: bigint, timeNs: bigint): void {
    if (startNs === 0n || this.find(labels)) return;
    this.create(labels).samples.push({ value: toMs(startNs), timestamp: toMs(timeNs) });
  }

  drop(points: number, reason: string): void {
    this.errors.push(reason);
    this.droppedPoints += points;
  }
}

export class Translator {
  private readonly settings: TranslateSettings;
  private readonly metricNamer: MetricNamer;
  private readonly labels: LabelBuilder;

  constructor(settings: TranslateSettings) {
    this.settings = settings;
    this.metricNamer = new MetricNamer(settings.strategy, settings.namespace);
    this.labels = new LabelBuilder(new LabelNamer(settings.strategy), settings.externalLabels);
  }

  translate(metrics: Metrics): Translation {
    const c = new Conversion();
    const metadata: MetricMetadata[] = [];
    this.labels.startRun();
    for (const rm of metrics.resourceMetrics) {
      const resourceAttributes = rm.resource.attributes;
      const identity = serviceIdentity(resourceAttributes);
      const withResource = this.settings.resourceToTelemetry ? this.resourceMerger(resourceAttributes) : undefined;
      let latest = 0n;
      for (const sm of rm.scopeMetrics) {
        for (const metric of sm.metrics) {
          const t = latestTimestamp(metric);
          if (t > latest) latest = t;
          if (!hasValidTemporality(metric)) {
            c.drop(metricDataPoints(metric), `invalid temporality and type combination for metric "${metric.name}"`);
            continue;
          }
          const name = this.metricNamer.build(metric.name, metric.unit, namedKind(metric));
          if (name instanceof Error) {
            c.drop(metricDataPoints(metric), name.message);
            continue;
          }
          if (metricDataPoints(metric) === 0) {
            c.errors.push(`empty data points. ${metric.name} is dropped`);
            continue;
          }
          if (this.settings.sendMetadata) {
            metadata.push({
              type: metadataType(metric),
              metricFamilyName: name,
              help: metric.description,
              unit: metric.unit,
            });
          }
          const attrs = (a: KeyValue[]) => this.labels.base(withResource ? withResource(a) : a, identity);
          if (metric.gauge) this.addGauge(c, metric.gauge.dataPoints, name, attrs);
          else if (metric.sum) this.addSum(c, metric.sum.dataPoints, name, metric.sum.isMonotonic, attrs);
          else if (metric.histogram) this.addHistogram(c, metric.histogram.dataPoints, name, attrs);
          else if (metric.exponentialHistogram) this.addExponentialHistogram(c, metric, name, attrs);
          else if (metric.summary) this.addSummary(c, metric.summary.dataPoints, name, attrs);
        }
      }
      this.addTargetInfo(c, resourceAttributes, identity, latest);
    }
    return { series: c.series, metadata, errors: c.errors, droppedPoints: c.droppedPoints };
  }

  /** resource_to_telemetry_conversion: resource attributes onto every point, winning over the point's own. */
  private resourceMerger(resourceAttributes: KeyValue[]): (a: KeyValue[]) => KeyValue[] {
    const promoted = this.settings.excludeServiceAttributes
      ? resourceAttributes.filter((kv) => !IDENTIFYING_ATTRIBUTES.has(kv.key))
      : resourceAttributes;
    const keys = new Set(promoted.map((kv) => kv.key));
    return (a) => [...promoted, ...a.filter((kv) => !keys.has(kv.key))];
  }

  private addGauge(c: Conversion, points: NumberDataPoint[], name: string, attrs: (a: KeyValue[]) => BaseLabels): void {
    for (const p of points) {
      const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
      c.addSample(this.labels.finish(attrs(p.attributes), name), {
        value: pointValue(p),
        timestamp: toMs(p.timeUnixNano),
        stale,
      });
    }
  }

  private addSum(
    c: Conversion,
    points: NumberDataPoint[],
    name: string,
    monotonic: boolean,
    attrs: (a: KeyValue[]) => BaseLabels,
  ): void {
    for (const p of points) {
      const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
      const base = attrs(p.attributes);
      const ts = c.addSample(this.labels.finish(base, name), {
        value: pointValue(p),
        timestamp: toMs(p.timeUnixNano),
        stale,
      });
      if (p.exemplars.length > 0) ts.exemplars.push(...toExemplars(p.exemplars));
      if (this.settings.exportCreatedMetric && monotonic) {
        c.addCreated(this.labels.finish(base, `${name}_created`), p.startTimeUnixNano, p.timeUnixNano);
      }
    }
  }

  private addHistogram(
    c: Conversion,
    points: HistogramDataPoint[],
    name: string,
    attrs: (a: KeyValue[]) => BaseLabels,
  ): void {
    for (const p of points) {
      const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
      const timestamp = toMs(p.timeUnixNano);
      const base = attrs(p.attributes);
      if (p.sum !== undefined) c.addSample(this.labels.finish(base, `${name}_sum`), { value: p.sum, timestamp, stale });
      c.addSample(this.labels.finish(base, `${name}_count`), { value: Number(p.count), timestamp, stale });
      const buckets: Array<{ bound: number; ts: TimeSeries }> = [];
      let cumulative = 0n;
      const n = Math.min(p.explicitBounds.length, p.bucketCounts.length);
      for (let i = 0; i < n; i++) {
        cumulative += p.bucketCounts[i];
        const bound = p.explicitBounds[i];
        const labels = this.labels.finish(base, `${name}_bucket`, 'le', formatFloat(bound));
        buckets.push({ bound, ts: c.addSample(labels, { value: Number(cumulative), timestamp, stale }) });
      }
      const inf = this.labels.finish(base, `${name}_bucket`, 'le', '+Inf');
      buckets.push({ bound: Infinity, ts: c.addSample(inf, { value: Number(p.count), timestamp, stale }) });
      if (p.exemplars.length > 0) {
        buckets.sort((a, b) => a.bound - b.bound);
        for (const e of toExemplars(p.exemplars)) {
          const bucket = buckets.find((b) => b.ts.samples.length > 0 && e.value <= b.bound);
          bucket?.ts.exemplars.push(e);
        }
      }
      if (this.settings.exportCreatedMetric)
        c.addCreated(this.labels.finish(base, `${name}_created`), p.startTimeUnixNano, p.timeUnixNano);
    }
  }

  private addExponentialHistogram(
    c: Conversion,
    metric: Metric,
    name: string,
    attrs: (a: KeyValue[]) => BaseLabels,
  ): void {
    for (const p of metric.exponentialHistogram!.dataPoints) {
      let histogram;
      try {
        histogram = toNativeHistogram(p, toMs(p.timeUnixNano), (p.flags & FLAG_NO_RECORDED_VALUE) !== 0);
      } catch (err) {
        c.drop(1, (err as Error).message);
        continue;
      }
      const ts = c.seriesFor(this.labels.finish(attrs(p.attributes), name));
      ts.histograms.push(histogram);
      if (p.exemplars.length > 0) ts.exemplars.push(...toExemplars(p.exemplars));
    }
  }

  private addSummary(
    c: Conversion,
    points: SummaryDataPoint[],
    name: string,
    attrs: (a: KeyValue[]) => BaseLabels,
  ): void {
    for (const p of points) {
      const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
      const timestamp = toMs(p.timeUnixNano);
      const base = attrs(p.attributes);
      c.addSample(this.labels.finish(base, `${name}_sum`), { value: p.sum, timestamp, stale });
      c.addSample(this.labels.finish(base, `${name}_count`), { value: Number(p.count), timestamp, stale });
      for (const q of p.quantileValues) {
        c.addSample(this.labels.finish(base, name, 'quantile', formatFloat(q.quantile)), {
          value: q.value,
          timestamp,
          stale,
        });
      }
      if (this.settings.exportCreatedMetric)
        c.addCreated(this.labels.finish(base, `${name}_created`), p.startTimeUnixNano, p.timeUnixNano);
    }
  }

  /** `target_info`: the resource attributes that did not become job and instance, once per resource. */
  private addTargetInfo(c: Conversion, attributes: KeyValue[], identity: ServiceIdentity, latest: bigint): void {
    if (!this.settings.targetInfo || latest === 0n) return;
    if (!attributes.some((kv) => !IDENTIFYING_ATTRIBUTES.has(kv.key))) return;
    const base = this.labels.base(attributes, identity, IDENTIFYING_ATTRIBUTES);
    if (!base.labels.some((l) => l.name === 'job' || l.name === 'instance')) return;
    const name = this.settings.namespace !== '' ? `${this.settings.namespace}_target_info` : 'target_info';
    c.addSample(this.labels.finish(base, name), { value: 1, timestamp: toMs(latest) });
  }
}
