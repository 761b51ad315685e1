// contrib's tracking.MetricTracker: the last point of every cumulative series, by identity, and
// the delta of each new point against it. A series' identity is its resource and scope, the
// metric's type, name, unit and monotonicity, the point's value type, start time and attributes:
// a new start time (a restarted counter) is a new series.
import {
  type KeyValue,
  type Metric,
  type Resource,
  type InstrumentationScope,
  valueAsString,
  valueType,
} from '@flowtel/pdata';

export type InitialValue = 'auto' | 'keep' | 'drop';

export interface SumValue {
  int?: bigint;
  float?: number;
}
export interface HistogramValue {
  count: bigint;
  sum: number;
  buckets: bigint[];
  bounds: number[];
}
interface State {
  observed: bigint;
  value: SumValue | HistogramValue;
}

export interface Delta<V> {
  start: bigint;
  value: V;
}

/** What a point is identified by, in an order-independent form for attributes. */
export function seriesKey(
  resource: Resource,
  scope: InstrumentationScope,
  metric: Metric,
  valueKind: string,
  start: bigint,
  attributes: readonly KeyValue[],
): string {
  const type = metric.sum ? 'Sum' : 'Histogram';
  const monotonic = metric.sum ? metric.sum.isMonotonic : true;
  return JSON.stringify([
    canonical(resource.attributes),
    scope.name,
    scope.version,
    type,
    metric.name,
    metric.unit,
    monotonic,
    valueKind,
    start.toString(),
    canonical(attributes),
  ]);
}

function canonical(attrs: readonly KeyValue[]): string[] {
  return attrs.map((kv) => `${kv.key}\u0000${valueType(kv.value)}\u0000${valueAsString(kv.value)}`).sort();
}

export class MetricTracker {
  private readonly states = new Map<string, State>();
  /** when the processor started, in ns: `auto` keeps first points of counters started after it */
  private readonly startTime = BigInt(Date.now()) * 1_000_000n;

  constructor(private readonly initialValue: InitialValue) {}

  get size(): number {
    return this.states.size;
  }

  /** The delta of a sum point, or undefined where contrib drops the point. */
  sum(key: string, start: bigint, observed: bigint, value: SumValue): Delta<SumValue> | undefined {
    const state = this.states.get(key);
    if (!state) return this.first(key, start, observed, value);
    const [prev, from] = [state.value as SumValue, state.observed];
    state.observed = observed;
    state.value = value;
    if (value.float !== undefined) {
      // a decrease is a reset: dropped, and the new value is the base from now on
      return value.float < prev.float! ? undefined : { start: from, value: { float: value.float - prev.float! } };
    }
    return value.int! < prev.int! ? undefined : { start: from, value: { int: value.int! - prev.int! } };
  }

  /** The delta of a histogram point, or undefined where contrib drops the point. */
  histogram(key: string, start: bigint, observed: bigint, value: HistogramValue): Delta<HistogramValue> | undefined {
    const state = this.states.get(key);
    if (!state) return this.first(key, start, observed, value);
    const [prev, from] = [state.value as HistogramValue, state.observed];
    if (Number.isNaN(value.sum)) value = { ...value, sum: prev.sum };
    state.observed = observed;
    state.value = value;
    if (value.buckets.length !== prev.buckets.length || !sameBounds(value.bounds, prev.bounds)) return undefined;
    // a lower count is a reset: the point is its own delta
    if (value.count < prev.count) return { start: from, value };
    return {
      start: from,
      value: {
        count: value.count - prev.count,
        sum: value.sum - prev.sum,
        buckets: value.buckets.map((b, i) => b - prev.buckets[i]),
        bounds: value.bounds,
      },
    };
  }

  /** Removes the series whose last point is older than `before` (ns). */
  removeStale(before: bigint): void {
    for (const [key, state] of this.states) if (state.observed < before) this.states.delete(key);
  }

  private first<V>(key: string, start: bigint, observed: bigint, value: V): Delta<V> | undefined {
    this.states.set(key, { observed, value: value as SumValue | HistogramValue });
    switch (this.initialValue) {
      case 'auto':
        // only a counter that started after this processor (its whole count is new), and not
        // one whose start is its own timestamp
        if (start < this.startTime || observed === start) return undefined;
        return { start, value };
      case 'keep':
        // contrib leaves the start time unset here
        return { start: 0n, value };
      default:
        return undefined;
    }
  }
}

const sameBounds = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
