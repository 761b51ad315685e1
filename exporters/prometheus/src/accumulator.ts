// The exporter's state: the latest point of every series, as contrib's lastValueAccumulator
// keeps it. Cumulative points replace older ones (a point older than the kept one is
// ignored); delta sums and histograms are added up when a point starts where the kept one
// ended, and start over when it starts later (a restart); a point flagged
// NO_RECORDED_VALUE removes its series. Series not updated for metric_expiration go away.
import type {
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  Metric,
  Metrics,
  NumberDataPoint,
  ScopeMetrics,
  SummaryDataPoint,
} from '@flowtel/pdata';
import { AggregationTemporality } from '@flowtel/pdata';
import { anyValueToString, serviceIdentity } from '@flowtel/prometheus';

/** DataPointFlags.NO_RECORDED_VALUE */
const NO_RECORDED_VALUE = 1;

type Kind = 'gauge' | 'sum' | 'histogram' | 'summary';
type Point = NumberDataPoint | HistogramDataPoint | SummaryDataPoint;

export interface Entry {
  kind: Kind;
  /** name, description, unit, metadata; the data field is rebuilt at collection */
  metric: Metric;
  monotonic: boolean;
  point: Point;
  resource: KeyValue[];
  scope: InstrumentationScope;
  scopeSchemaUrl: string;
  /** equal resources (scopes) from different batches are one in the output */
  resourceKey: string;
  scopeKey: string;
  /** Date.now() of the last update */
  updated: number;
}

export interface Dropped {
  points: number;
  reason: string;
}

const attributesKey = (attrs: KeyValue[]) =>
  attrs
    .map((kv) => `${kv.key}\u0000${anyValueToString(kv.value)}`)
    .sort()
    .join('\u0001');

/** What makes two points the same series: contrib's timeseriesSignature. */
function signature(
  kind: Kind,
  name: string,
  scopeKey: string,
  attributes: KeyValue[],
  resource: { job?: string; instance?: string },
): string {
  return [
    kind,
    name,
    scopeKey,
    attributesKey(attributes),
    resource.job ?? '\u0002',
    resource.instance ?? '\u0002',
  ].join('\u0003');
}

const numberValue = (p: NumberDataPoint) => p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : 0);

export class Accumulator {
  private readonly series = new Map<string, Entry>();
  private readonly expiration: number;

  constructor(expirationMs: number) {
    this.expiration = expirationMs;
  }

  /** bumped on every change to the kept series: an unchanged version means an unchanged page */
  version = 0;
  /** when the oldest kept series expires (Date.now() scale), as of the last collect */
  nextExpiry = Infinity;

  get size(): number {
    return this.series.size;
  }

  /** Takes a batch; returns what it could not take, with why. */
  accumulate(metrics: Metrics, now = Date.now()): Dropped[] {
    const dropped: Dropped[] = [];
    for (const rm of metrics.resourceMetrics) {
      const resource = rm.resource.attributes;
      const identity = serviceIdentity(resource);
      const resourceKey = attributesKey(resource);
      for (const sm of rm.scopeMetrics) {
        const scopeKey = [sm.scope.name, sm.scope.version, sm.schemaUrl, attributesKey(sm.scope.attributes)].join(
          '\u0003',
        );
        for (const metric of sm.metrics) {
          const add = (kind: Kind, monotonic: boolean, points: Point[], temporality?: number) => {
            for (const p of points) {
              const key = signature(kind, metric.name, scopeKey, p.attributes, identity);
              if ((p.flags & NO_RECORDED_VALUE) !== 0) {
                if (this.series.delete(key)) this.version++;
                continue;
              }
              const kept = this.series.get(key);
              const point = kept ? this.merge(kind, kept.point, p, temporality) : p;
              if (point === undefined) continue;
              this.version++;
              this.series.set(key, {
                kind,
                metric,
                monotonic,
                point,
                resource,
                scope: sm.scope,
                scopeSchemaUrl: sm.schemaUrl,
                resourceKey,
                scopeKey,
                updated: now,
              });
            }
          };
          if (metric.gauge) add('gauge', false, metric.gauge.dataPoints);
          else if (metric.sum) {
            const t = metric.sum.aggregationTemporality;
            if (t === AggregationTemporality.UNSPECIFIED)
              dropped.push({ points: metric.sum.dataPoints.length, reason: `${metric.name}: unspecified temporality` });
            else if (t === AggregationTemporality.DELTA && !metric.sum.isMonotonic)
              dropped.push({
                points: metric.sum.dataPoints.length,
                reason: `${metric.name}: a non-monotonic delta sum has no cumulative meaning`,
              });
            else add('sum', metric.sum.isMonotonic, metric.sum.dataPoints, t);
          } else if (metric.histogram) {
            const t = metric.histogram.aggregationTemporality;
            if (t === AggregationTemporality.UNSPECIFIED)
              dropped.push({
                points: metric.histogram.dataPoints.length,
                reason: `${metric.name}: unspecified temporality`,
              });
            else add('histogram', false, metric.histogram.dataPoints, t);
          } else if (metric.summary) add('summary', false, metric.summary.dataPoints);
          else if (metric.exponentialHistogram)
            dropped.push({
              points: metric.exponentialHistogram.dataPoints.length,
              reason: `${metric.name}: exponential histograms need the protobuf exposition (native histograms), not yet in flowtel`,
            });
        }
      }
    }
    return dropped;
  }

  /** The point to keep, or undefined to keep the old one. */
  private merge(kind: Kind, kept: Point, p: Point, temporality?: number): Point | undefined {
    const delta = temporality === AggregationTemporality.DELTA;
    if (kind === 'histogram' && delta) {
      const prev = kept as HistogramDataPoint;
      const cur = p as HistogramDataPoint;
      if (cur.startTimeUnixNano === prev.timeUnixNano) return addHistograms(prev, cur);
      // misaligned: a start after the kept point is a restart, anything else is out of order
      return cur.startTimeUnixNano > prev.timeUnixNano ? cur : undefined;
    }
    if (p.timeUnixNano < kept.timeUnixNano) return undefined;
    if (kind === 'sum' && delta) {
      const prev = kept as NumberDataPoint;
      const cur = p as NumberDataPoint;
      if (cur.startTimeUnixNano !== prev.timeUnixNano) return cur;
      const sum: NumberDataPoint = { ...cur, startTimeUnixNano: prev.startTimeUnixNano };
      if (cur.asInt !== undefined && prev.asInt !== undefined) sum.asInt = cur.asInt + prev.asInt;
      else {
        sum.asDouble = numberValue(cur) + numberValue(prev);
        delete sum.asInt;
      }
      return sum;
    }
    return p;
  }

  /**
   * The kept series as OTLP metrics, one point per metric, cumulative; expired series are
   * removed first.
   */
  collect(now = Date.now()): { metrics: Metrics; entries: Entry[] } {
    const entries: Entry[] = [];
    const horizon = now - this.expiration;
    let oldest = Infinity;
    for (const [key, e] of this.series) {
      if (e.updated < horizon) {
        this.series.delete(key);
        this.version++;
      } else {
        entries.push(e);
        if (e.updated < oldest) oldest = e.updated;
      }
    }
    this.nextExpiry = oldest + this.expiration;
    const resources = new Map<string, { attributes: KeyValue[]; scopes: Map<string, ScopeMetrics> }>();
    for (const e of entries) {
      let resource = resources.get(e.resourceKey);
      if (!resource) resources.set(e.resourceKey, (resource = { attributes: e.resource, scopes: new Map() }));
      let scope = resource.scopes.get(e.scopeKey);
      if (!scope)
        resource.scopes.set(e.scopeKey, (scope = { scope: e.scope, schemaUrl: e.scopeSchemaUrl, metrics: [] }));
      scope.metrics.push(toMetric(e));
    }
    return {
      entries,
      metrics: {
        resourceMetrics: [...resources.values()].map(({ attributes, scopes }) => ({
          resource: { attributes, droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeMetrics: [...scopes.values()],
        })),
      },
    };
  }
}

function toMetric(e: Entry): Metric {
  const { name, description, unit, metadata } = e.metric;
  const m: Metric = { name, description, unit, metadata };
  const CUMULATIVE = AggregationTemporality.CUMULATIVE;
  switch (e.kind) {
    case 'gauge':
      m.gauge = { dataPoints: [e.point as NumberDataPoint] };
      break;
    case 'sum':
      m.sum = {
        dataPoints: [e.point as NumberDataPoint],
        aggregationTemporality: CUMULATIVE,
        isMonotonic: e.monotonic,
      };
      break;
    case 'histogram':
      m.histogram = { dataPoints: [e.point as HistogramDataPoint], aggregationTemporality: CUMULATIVE };
      break;
    case 'summary':
      m.summary = { dataPoints: [e.point as SummaryDataPoint] };
      break;
  }
  return m;
}

/** Two delta histograms in a row: counts added when the bounds agree, else the newer alone (contrib). */
function addHistograms(prev: HistogramDataPoint, cur: HistogramDataPoint): HistogramDataPoint {
  const [older, newer] = cur.timeUnixNano < prev.timeUnixNano ? [cur, prev] : [prev, cur];
  const sameBounds =
    older.explicitBounds.length === newer.explicitBounds.length &&
    older.explicitBounds.every((b, i) => b === newer.explicitBounds[i]) &&
    older.bucketCounts.length === newer.bucketCounts.length;
  const out: HistogramDataPoint = {
    ...newer,
    startTimeUnixNano: prev.startTimeUnixNano,
    exemplars: cur.exemplars,
  };
  if (sameBounds) {
    out.count = newer.count + older.count;
    out.sum = newer.sum !== undefined || older.sum !== undefined ? (newer.sum ?? 0) + (older.sum ?? 0) : undefined;
    out.bucketCounts = newer.bucketCounts.map((c, i) => c + older.bucketCounts[i]);
    if (older.min !== undefined && newer.min !== undefined) out.min = Math.min(older.min, newer.min);
    if (older.max !== undefined && newer.max !== undefined) out.max = Math.max(older.max, newer.max);
  }
  return out;
}
