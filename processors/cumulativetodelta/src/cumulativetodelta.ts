import { filter, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, Processor } from '@flowtel/core';
import { createFilterSet, type FilterSet, type FilterSetConfig } from '@flowtel/filter';
import {
  AggregationTemporality,
  dataPointCount,
  type HistogramDataPoint,
  type InstrumentationScope,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type Resource,
} from '@flowtel/pdata';
import type { CumulativeToDeltaConfig } from './config.ts';
import { type InitialValue, MetricTracker, seriesKey } from './tracker.ts';

/** OTLP's DataPointFlags.NO_RECORDED_VALUE */
const NO_RECORDED_VALUE = 1;

type Side = CumulativeToDeltaConfig['include'];

/**
 * contrib's cumulativetodelta processor: monotonic cumulative sums and cumulative histograms
 * become delta, per series, against the last point seen; points that cannot give a delta (the
 * first, by initial_value; a reset sum; changed buckets) are dropped, and so are metrics, scopes
 * and resources left empty. Exponential histograms pass unchanged.
 */
export class CumulativeToDeltaProcessor implements Processor {
  private readonly tracker: MetricTracker;
  private readonly include?: (m: Metric) => boolean;
  private readonly exclude?: (m: Metric) => boolean;
  private sweeper?: NodeJS.Timeout;
  private warnedExponential = false;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: CumulativeToDeltaConfig,
  ) {
    this.tracker = new MetricTracker(config.initial_value as InitialValue);
    this.include = matcher(config.include);
    this.exclude = matcher(config.exclude);
  }

  /** How many series it holds state for. */
  get series(): number {
    return this.tracker.size;
  }

  async start(): Promise<void> {
    const staleness = this.config.max_staleness;
    if (staleness > 0) {
      this.sweeper = setInterval(
        () => this.tracker.removeStale(BigInt(Date.now() - staleness) * 1_000_000n),
        staleness,
      );
      this.sweeper.unref();
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
  }

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (batch.signal !== 'metrics') return true;
      const dropped = this.convert(batch.data);
      if (dropped === 0) return true;
      batch.items = dataPointCount(batch.data);
      if (batch.data.resourceMetrics.length > 0) return true;
      // nothing left to send: accepted here
      batch.ack.resolve();
      return false;
    });
  }

  /** Converts in place; the number of data points dropped. */
  convert(data: Metrics): number {
    let dropped = 0;
    data.resourceMetrics = data.resourceMetrics.filter((rm) => {
      rm.scopeMetrics = rm.scopeMetrics.filter((sm) => {
        sm.metrics = sm.metrics.filter((m) => {
          const [kept, lost] = this.metric(m, rm.resource, sm.scope);
          dropped += lost;
          return kept;
        });
        return sm.metrics.length > 0;
      });
      return rm.scopeMetrics.length > 0;
    });
    return dropped;
  }

  /** Whether the metric stays, and how many of its points were dropped. */
  private metric(m: Metric, resource: Resource, scope: InstrumentationScope): [boolean, number] {
    if (this.exclude?.(m) || (this.include && !this.include(m))) return [true, 0];
    if (m.sum) {
      if (m.sum.aggregationTemporality !== AggregationTemporality.CUMULATIVE || !m.sum.isMonotonic) return [true, 0];
      const before = m.sum.dataPoints.length;
      m.sum.dataPoints = m.sum.dataPoints.filter((dp) => this.sumPoint(m, dp, resource, scope));
      m.sum.aggregationTemporality = AggregationTemporality.DELTA;
      return [m.sum.dataPoints.length > 0, before - m.sum.dataPoints.length];
    }
    if (m.histogram) {
      const h = m.histogram;
      if (h.aggregationTemporality !== AggregationTemporality.CUMULATIVE || h.dataPoints.length === 0) return [true, 0];
      const before = h.dataPoints.length;
      h.dataPoints = h.dataPoints.filter((dp) => this.histogramPoint(m, dp, resource, scope));
      h.aggregationTemporality = AggregationTemporality.DELTA;
      return [h.dataPoints.length > 0, before - h.dataPoints.length];
    }
    if (
      m.exponentialHistogram?.aggregationTemporality === AggregationTemporality.CUMULATIVE &&
      !this.warnedExponential
    ) {
      this.warnedExponential = true;
      this.settings.logger.warn(
        { metric: m.name },
        'cumulative exponential histograms are not converted to delta in flowtel yet: they pass unchanged',
      );
    }
    return [true, 0];
  }

  /** Whether the point stays (converted). */
  private sumPoint(m: Metric, dp: NumberDataPoint, resource: Resource, scope: InstrumentationScope): boolean {
    if (dp.flags & NO_RECORDED_VALUE) return false;
    const isFloat = dp.asDouble !== undefined;
    // NaN marks a stale series: passed as it is
    if (isFloat && Number.isNaN(dp.asDouble)) return true;
    const key = seriesKey(resource, scope, m, isFloat ? 'Double' : 'Int', dp.startTimeUnixNano, dp.attributes);
    const value = isFloat ? { float: dp.asDouble! } : { int: dp.asInt ?? 0n };
    const delta = this.tracker.sum(key, dp.startTimeUnixNano, dp.timeUnixNano, value);
    if (!delta) return false;
    dp.startTimeUnixNano = delta.start;
    if (isFloat) dp.asDouble = delta.value.float;
    else dp.asInt = delta.value.int;
    return true;
  }

  private histogramPoint(m: Metric, dp: HistogramDataPoint, resource: Resource, scope: InstrumentationScope): boolean {
    if (dp.flags & NO_RECORDED_VALUE) return false;
    const key = seriesKey(resource, scope, m, 'Int', dp.startTimeUnixNano, dp.attributes);
    const delta = this.tracker.histogram(key, dp.startTimeUnixNano, dp.timeUnixNano, {
      count: dp.count,
      sum: dp.sum ?? 0,
      buckets: dp.bucketCounts,
      bounds: dp.explicitBounds,
    });
    if (!delta) return false;
    dp.startTimeUnixNano = delta.start;
    dp.count = delta.value.count;
    if (dp.sum !== undefined && !Number.isNaN(dp.sum)) dp.sum = delta.value.sum;
    dp.bucketCounts = delta.value.buckets;
    delete dp.min;
    delete dp.max;
    return true;
  }
}

/** Names (strict or regexp) and metric types of one side; undefined when it has neither. */
function matcher(side: Side): ((m: Metric) => boolean) | undefined {
  const names: FilterSet | undefined =
    side.metrics.length > 0
      ? createFilterSet(side.metrics, { match_type: side.match_type, regexp: side.regexp } as FilterSetConfig)
      : undefined;
  const types = side.metric_types.length > 0 ? new Set(side.metric_types) : undefined;
  if (!names && !types) return undefined;
  return (m) =>
    (!names || names.matches(m.name)) && (!types || types.has(m.sum ? 'sum' : m.histogram ? 'histogram' : 'other'));
}
