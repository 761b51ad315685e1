import type { Counter } from '@opentelemetry/api';
import { filter, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, Processor } from '@flowtel/core';
import {
  AggregationTemporality,
  attributesKey,
  dataPointCount,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type InstrumentationScope,
  type Metric,
  type Metrics,
  type NumberDataPoint,
  type Resource,
} from '@flowtel/pdata';
import { addExponential, addHistogram, addNumber } from './add.ts';
import type { DeltaToCumulativeConfig } from './config.ts';

/** contrib's instruments (documentation.md) */
export const METRICS = {
  datapoints: 'otelcol_deltatocumulative_datapoints',
  tracked: 'otelcol_deltatocumulative_streams_tracked',
  limit: 'otelcol_deltatocumulative_streams_limit',
  maxStale: 'otelcol_deltatocumulative_streams_max_stale',
} as const;

type Point = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint;
interface Stream {
  state: Point;
  /** wall-clock ms of its last point */
  seen: number;
}

/** contrib's error attribute values: the Go type of the error, or `limit` */
const OLDER_START = 'delta.ErrOlderStart';
const OUT_OF_ORDER = 'delta.ErrOutOfOrder';
const LIMIT = 'limit';

/**
 * contrib's deltatocumulative processor: each point of a delta sum, histogram or exponential
 * histogram is added to the cumulative state of its stream (resource, scope, metric identity and
 * point attributes), and leaves as that state: the stream's start time, the new time, the sums so
 * far. A stream's first point starts its state as it is. A point starting before its stream did,
 * or not later than its last point, is dropped, and so is the first point of a new stream once
 * `max_streams` are tracked; each is counted with its reason. Streams with no point for
 * `max_stale` are forgotten (checked every minute, as contrib does).
 */
export class DeltaToCumulativeProcessor implements Processor {
  private readonly streams = new Map<string, Stream>();
  private readonly datapoints: Counter;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: DeltaToCumulativeConfig,
  ) {
    const m = settings.meter;
    this.datapoints = m.createCounter(METRICS.datapoints, {
      description: "total number of datapoints processed. may have 'error' attribute, if processing failed",
      unit: '{datapoint}',
    });
    m.createObservableUpDownCounter(METRICS.tracked, {
      description: 'number of streams tracked',
      unit: '{dps}',
    }).addCallback((r) => r.observe(this.streams.size));
    m.createObservableGauge(METRICS.limit, {
      description: 'upper limit of tracked streams',
      unit: '{stream}',
    }).addCallback((r) => r.observe(config.max_streams));
    m.createObservableGauge(METRICS.maxStale, {
      description: 'duration after which streams inactive streams are dropped',
      unit: 's',
    }).addCallback((r) => r.observe(Math.trunc(config.max_stale / 1000)));
  }

  /** How many streams it holds state for. */
  get tracked(): number {
    return this.streams.size;
  }

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.expire(Date.now()), 60_000);
    this.sweeper.unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Forgets the streams whose last point is older than max_stale. */
  expire(now: number): void {
    for (const [id, s] of this.streams) if (now - s.seen > this.config.max_stale) this.streams.delete(id);
  }

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (batch.signal !== 'metrics') return true;
      const dropped = this.convert(batch.data, Date.now());
      if (dropped === 0) return true;
      batch.items = dataPointCount(batch.data);
      if (batch.data.resourceMetrics.length > 0) return true;
      // nothing left to send: accepted here
      batch.ack.resolve();
      return false;
    });
  }

  /** Converts in place; the number of points dropped. */
  convert(data: Metrics, now: number): number {
    const dropped = { [OLDER_START]: 0, [OUT_OF_ORDER]: 0, [LIMIT]: 0 };
    data.resourceMetrics = data.resourceMetrics.filter((rm) => {
      rm.scopeMetrics = rm.scopeMetrics.filter((sm) => {
        sm.metrics = sm.metrics.filter((m) => this.metric(m, rm.resource, sm.scope, now, dropped));
        return sm.metrics.length > 0;
      });
      return rm.scopeMetrics.length > 0;
    });
    const total = dropped[OLDER_START] + dropped[OUT_OF_ORDER] + dropped[LIMIT];
    if (total > 0) this.settings.logger.warn({ dropped }, 'deltatocumulative dropped data points');
    return total;
  }

  /** Whether the metric stays (it has points left). */
  private metric(
    m: Metric,
    resource: Resource,
    scope: InstrumentationScope,
    now: number,
    dropped: Record<string, number>,
  ): boolean {
    const body = m.sum ?? m.histogram ?? m.exponentialHistogram;
    if (!body || body.aggregationTemporality !== AggregationTemporality.DELTA) return true;
    const identity = [
      attributesKey(resource.attributes),
      scope.name,
      scope.version,
      attributesKey(scope.attributes),
      m.name,
      m.unit,
      m.sum ? `sum:${m.sum.isMonotonic}` : m.histogram ? 'histogram' : 'exponential',
    ].join('\u0002');
    /** the point as it leaves, or undefined when dropped */
    const accumulate = (dp: Point): Point | undefined => {
      const id = `${identity}\u0002${attributesKey(dp.attributes)}`;
      const stream = this.streams.get(id);
      if (!stream && this.streams.size >= this.config.max_streams) return this.drop(dropped, LIMIT);
      if (!stream) {
        this.streams.set(id, { state: structuredClone(dp), seen: now });
        this.datapoints.add(1);
        return dp;
      }
      stream.seen = now;
      const state = stream.state;
      if (dp.startTimeUnixNano < state.startTimeUnixNano) return this.drop(dropped, OLDER_START);
      if (dp.timeUnixNano <= state.timeUnixNano) return this.drop(dropped, OUT_OF_ORDER);
      if (m.sum) addNumber(state as NumberDataPoint, dp as NumberDataPoint);
      else if (m.histogram) stream.state = addHistogram(state as HistogramDataPoint, dp as HistogramDataPoint);
      else addExponential(state as ExponentialHistogramDataPoint, structuredClone(dp as ExponentialHistogramDataPoint));
      this.datapoints.add(1);
      // the point leaves as the stream's cumulative state
      return structuredClone(stream.state);
    };
    const points: Point[] = [];
    for (const dp of body.dataPoints as Point[]) {
      const out = accumulate(dp);
      if (out) points.push(out);
    }
    (body.dataPoints as Point[]) = points;
    body.aggregationTemporality = AggregationTemporality.CUMULATIVE;
    return body.dataPoints.length > 0;
  }

  private drop(dropped: Record<string, number>, reason: string): undefined {
    dropped[reason]++;
    this.datapoints.add(1, { error: reason });
    return undefined;
  }
}
