// Recording values into histogram data points, for the components that aggregate them
// (spanmetrics, servicegraph): the explicit-bucket search and a base-2 exponential histogram
// with the OTel SDK's scale rules (start at scale 20, lower the scale when the buckets in use
// would exceed max_size).
import type { ExponentialHistogramDataPoint } from './model.ts';

/**
 * The bucket of `value` among explicit `bounds` (sorted): the first bound >= value, or the
 * overflow bucket after the last. OTLP's rule: bucket i counts values in (bounds[i-1], bounds[i]].
 */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const MAX_SCALE = 20;
const MIN_SCALE = -10;

/** Positive values (durations) into an exponential histogram of at most `maxSize` buckets. */
export class ExponentialHistogramRecorder {
  count = 0;
  sum = 0;
  zeroCount = 0;
  min = Infinity;
  max = -Infinity;
  private scale = MAX_SCALE;
  /** bucket index of counts[0]; counts grows as values land outside it */
  private offset = 0;
  private counts: number[] = [];
  private readonly maxSize: number;

  constructor(maxSize: number) {
    this.maxSize = Math.max(2, maxSize);
  }

  private indexAt(value: number, scale: number): number {
    // the bucket (base^(i), base^(i+1)] with base 2^(2^-scale): ceil(log2(v) * 2^scale) - 1
    return Math.ceil(Math.log2(value) * 2 ** scale) - 1;
  }

  record(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (!(value > 0)) {
      this.zeroCount++;
      return;
    }
    let index = this.indexAt(value, this.scale);
    if (this.counts.length === 0) {
      this.offset = index;
      this.counts.push(1);
      return;
    }
    let low = Math.min(this.offset, index);
    let high = Math.max(this.offset + this.counts.length - 1, index);
    if (high - low + 1 > this.maxSize) {
      // halve the resolution until the range fits
      let shift = 0;
      while (high - low + 1 > this.maxSize && this.scale - shift > MIN_SCALE) {
        shift++;
        low = Math.floor(low / 2);
        high = Math.floor(high / 2);
      }
      this.downscale(shift);
      index = this.indexAt(value, this.scale);
    }
    if (index < this.offset) {
      const grow = this.offset - index;
      this.counts = [...new Array<number>(grow).fill(0), ...this.counts];
      this.offset = index;
    }
    const at = index - this.offset;
    while (this.counts.length <= at) this.counts.push(0);
    this.counts[at]++;
  }

  private downscale(shift: number): void {
    if (shift === 0) return;
    const div = 2 ** shift;
    const next = new Map<number, number>();
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] === 0) continue;
      const j = Math.floor((this.offset + i) / div);
      next.set(j, (next.get(j) ?? 0) + this.counts[i]);
    }
    this.scale -= shift;
    const indices = [...next.keys()];
    if (indices.length === 0) {
      this.counts = [];
      return;
    }
    const low = Math.min(...indices);
    const high = Math.max(...indices);
    this.offset = low;
    this.counts = new Array<number>(high - low + 1).fill(0);
    for (const [j, c] of next) this.counts[j - low] = c;
  }

  /** The recorded values as a data point's fields (attributes and times are the caller's). */
  fill(dp: Pick<ExponentialHistogramDataPoint, 'attributes' | 'startTimeUnixNano' | 'timeUnixNano' | 'exemplars'>) {
    const point: ExponentialHistogramDataPoint = {
      ...dp,
      count: BigInt(this.count),
      sum: this.sum,
      scale: this.counts.length === 0 ? 0 : this.scale,
      zeroCount: BigInt(this.zeroCount),
      positive: { offset: this.offset, bucketCounts: this.counts.map(BigInt) },
      negative: { offset: 0, bucketCounts: [] },
      flags: 0,
      zeroThreshold: 0,
    };
    if (this.count > 0) {
      point.min = this.min;
      point.max = this.max;
    }
    return point;
  }
}
