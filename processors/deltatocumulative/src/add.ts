// contrib's data.Add for each point type (internal/data/add.go and expo/): a delta point added to
// the cumulative state of its stream, in place.
import type {
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  NumberDataPoint,
} from '@flowtel/pdata';

/** contrib's cap on the buckets an exponential histogram keeps after a merge */
const MAX_BUCKETS = 160;

export function addNumber(state: NumberDataPoint, dp: NumberDataPoint): void {
  // the value type of the point added decides, as pdata's SetDoubleValue / SetIntValue do
  if (dp.asDouble !== undefined) {
    state.asDouble = (state.asDouble ?? 0) + dp.asDouble;
    delete state.asInt;
  } else {
    state.asInt = (state.asInt ?? 0n) + (dp.asInt ?? 0n);
    delete state.asDouble;
  }
  state.timeUnixNano = dp.timeUnixNano;
}

/** min/max/sum as contrib merges them: kept only when both sides have them */
function mergeOptional(state: { sum?: number; min?: number; max?: number }, dp: typeof state): void {
  if (state.sum !== undefined && dp.sum !== undefined) state.sum += dp.sum;
  else delete state.sum;
  if (state.min !== undefined && dp.min !== undefined) state.min = Math.min(state.min, dp.min);
  else delete state.min;
  if (state.max !== undefined && dp.max !== undefined) state.max = Math.max(state.max, dp.max);
  else delete state.max;
}

/** Adds `dp`; different bounds cannot be merged and the state becomes `dp` (returned). */
export function addHistogram(state: HistogramDataPoint, dp: HistogramDataPoint): HistogramDataPoint {
  const same =
    state.explicitBounds.length === dp.explicitBounds.length &&
    state.explicitBounds.every((b, i) => b === dp.explicitBounds[i]);
  if (!same) return structuredClone(dp);
  const n = Math.min(state.bucketCounts.length, dp.bucketCounts.length);
  for (let i = 0; i < n; i++) state.bucketCounts[i] += dp.bucketCounts[i];
  state.timeUnixNano = dp.timeUnixNano;
  state.count += dp.count;
  mergeOptional(state, dp);
  return state;
}

// Buckets by absolute index: counts[i - offset] in range, 0 outside
const lower = (b: ExponentialHistogramBuckets) => b.offset;
const upper = (b: ExponentialHistogramBuckets) => b.offset + b.bucketCounts.length;
const at = (b: ExponentialHistogramBuckets, i: number) =>
  i >= lower(b) && i < upper(b) ? b.bucketCounts[i - b.offset] : 0n;
// Go's integer division truncates toward zero
const half = (x: number) => Math.trunc(x / 2);

/**
 * contrib's Collapse: adjacent buckets merged pairwise (aligned to index 0), one scale down;
 * the freed tail is zeroed and kept, as contrib keeps it.
 */
export function collapse(b: ExponentialHistogramBuckets): void {
  const counts = b.bucketCounts;
  let size = Math.trunc(counts.length / 2);
  if (counts.length % 2 !== 0 || b.offset % 2 !== 0) size++;
  let shift = 0;
  if (b.offset % 2 !== 0) {
    b.offset -= 1;
    shift--;
  }
  b.offset /= 2;
  for (let i = 0; i < size; i++) {
    const k = i * 2 + shift;
    if (i === 0 && k === -1) {
      counts[i] = counts[k + 1];
      continue;
    }
    counts[i] = k + 1 < counts.length ? counts[k] + counts[k + 1] : counts[k];
  }
  for (let i = size; i < counts.length; i++) counts[i] = 0n;
}

function downscale(b: ExponentialHistogramBuckets, from: number, to: number): void {
  for (let s = from; s > to; s--) collapse(b);
}

/** contrib's getDeltaScale: how many scales down the merge of a and b needs to fit MAX_BUCKETS */
function deltaScale(a: ExponentialHistogramBuckets, b: ExponentialHistogramBuckets): number {
  let lo = Math.min(lower(a), lower(b));
  let up = Math.max(upper(a), upper(b));
  while (lo < up && at(a, lo) === 0n && at(b, lo) === 0n) lo++;
  while (lo < up - 1 && at(a, up - 1) === 0n && at(b, up - 1) === 0n) up--;
  let d = 0;
  while (up - lo > MAX_BUCKETS) {
    lo = half(lo);
    up = half(up);
    d++;
  }
  return d;
}

/** contrib's expo.Merge: b's counts added into a, over the union of their ranges without zero ends */
function merge(a: ExponentialHistogramBuckets, b: ExponentialHistogramBuckets): void {
  if (b.bucketCounts.length === 0) return;
  if (a.bucketCounts.length === 0) {
    a.offset = b.offset;
    a.bucketCounts = [...b.bucketCounts];
    return;
  }
  let lo = Math.min(lower(a), lower(b));
  let up = Math.max(upper(a), upper(b));
  while (lo < up && at(a, lo) === 0n && at(b, lo) === 0n) lo++;
  while (lo < up - 1 && at(a, up - 1) === 0n && at(b, up - 1) === 0n) up--;
  const counts: bigint[] = [];
  for (let i = lo; i < up; i++) counts.push(at(a, i) + at(b, i));
  a.offset = lo;
  a.bucketCounts = counts;
}

/** The bucket index of v at `scale` (the data model's logarithm method, powers of two exact). */
function bucketIndex(scale: number, v: number): number {
  const exp = Math.floor(Math.log2(v)) + 1;
  if (v === 2 ** (exp - 1)) return (exp - 1) * 2 ** scale - 1;
  return Math.floor(Math.log(v) * Math.LOG2E * 2 ** scale);
}

/** The upper bound of the bucket at `index`. */
const bucketUpper = (scale: number, index: number) => Math.exp((index + 1) * Math.LN2 * 2 ** -scale);

/** contrib's WidenZero: buckets up to `width` moved into the zero count, the threshold to that bucket's bound. */
function widenZero(dp: ExponentialHistogramDataPoint, width: number): void {
  if (width <= dp.zeroThreshold) return;
  const lo = bucketIndex(dp.scale, width);
  for (const b of [dp.positive, dp.negative]) {
    for (let i = lower(b); i <= lo; i++) dp.zeroCount += at(b, i);
    const up = upper(b);
    const from = Math.min(lo + 1, up);
    if (from > lower(b)) {
      b.bucketCounts = b.bucketCounts.slice(from - b.offset);
      b.offset = from;
    }
  }
  dp.zeroThreshold = bucketUpper(dp.scale, lo);
}

export function addExponential(state: ExponentialHistogramDataPoint, dp: ExponentialHistogramDataPoint): void {
  if (state.scale !== dp.scale) {
    const [hi, lo] = state.scale > dp.scale ? [state, dp] : [dp, state];
    downscale(hi.positive, hi.scale, lo.scale);
    downscale(hi.negative, hi.scale, lo.scale);
    hi.scale = lo.scale;
  }
  const d = Math.max(deltaScale(state.positive, dp.positive), deltaScale(state.negative, dp.negative));
  if (d > 0) {
    const to = state.scale - d;
    for (const b of [state.positive, state.negative, dp.positive, dp.negative]) downscale(b, state.scale, to);
    state.scale = to;
    dp.scale = to;
  }
  if (state.zeroThreshold !== dp.zeroThreshold) {
    const [hi, lo] = state.zeroThreshold > dp.zeroThreshold ? [state, dp] : [dp, state];
    widenZero(lo, hi.zeroThreshold);
  }
  merge(state.positive, dp.positive);
  merge(state.negative, dp.negative);
  state.timeUnixNano = dp.timeUnixNano;
  state.count += dp.count;
  state.zeroCount += dp.zeroCount;
  mergeOptional(state, dp);
}
