// OTLP exponential histograms to Prometheus native histograms, as the contrib translator
// converts them: scales above 8 are merged down to 8, scales below -4 cannot be expressed.
import type { ExponentialHistogramBuckets, ExponentialHistogramDataPoint } from '@flowtel/pdata';
import type { BucketSpan, NativeHistogram } from './series.ts';
import { ResetHint } from './series.ts';

const MAX_SCHEMA = 8;
const MIN_SCHEMA = -4;
/** what contrib sends when the point has no zero threshold of its own */
const DEFAULT_ZERO_THRESHOLD = 1e-128;
/** a run of empty buckets longer than this starts a new span instead of zero deltas */
const MAX_FILLED_GAP = 2;

/**
 * Dense OTLP buckets to sparse spans and deltas. OTLP bucket i covers (base^i, base^(i+1)],
 * Prometheus bucket i covers (base^(i-1), base^i]: hence the +1. Merging 2^scaleDown
 * neighbours is a shift of the index.
 */
export function bucketsToSpans(
  buckets: ExponentialHistogramBuckets,
  scaleDown: number,
): { spans: BucketSpan[]; deltas: number[] } {
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  let lastIndex = 0;
  let previousCount = 0;
  let pendingIndex = 0;
  let pendingCount = 0;
  const emit = (index: number, count: number) => {
    if (count === 0) return;
    const gap = index - lastIndex - 1;
    if (spans.length === 0 || gap > MAX_FILLED_GAP) {
      spans.push({ offset: spans.length === 0 ? index : gap, length: 0 });
    } else {
      for (let i = 0; i < gap; i++) {
        deltas.push(-previousCount);
        previousCount = 0;
        spans[spans.length - 1].length++;
      }
    }
    deltas.push(count - previousCount);
    previousCount = count;
    spans[spans.length - 1].length++;
    lastIndex = index;
  };
  const counts = buckets.bucketCounts;
  for (let k = 0; k < counts.length; k++) {
    const index = ((buckets.offset + k) >> scaleDown) + 1;
    const count = Number(counts[k]);
    if (k > 0 && index !== pendingIndex) {
      emit(pendingIndex, pendingCount);
      pendingCount = 0;
    }
    pendingIndex = index;
    pendingCount += count;
  }
  if (counts.length > 0) emit(pendingIndex, pendingCount);
  return { spans, deltas };
}

/** The native histogram of a data point; throws when its scale has no native equivalent. */
export function toNativeHistogram(
  p: ExponentialHistogramDataPoint,
  timestamp: number,
  stale: boolean,
): NativeHistogram {
  if (p.scale < MIN_SCHEMA) {
    throw new Error(`cannot convert exponential to native histogram. Scale must be >= ${MIN_SCHEMA}, was ${p.scale}`);
  }
  const scaleDown = Math.max(0, p.scale - MAX_SCHEMA);
  const positive = bucketsToSpans(p.positive, scaleDown);
  const negative = bucketsToSpans(p.negative, scaleDown);
  return {
    count: p.count,
    sum: p.sum ?? 0,
    schema: Math.min(p.scale, MAX_SCHEMA),
    zeroThreshold: p.zeroThreshold > 0 ? p.zeroThreshold : DEFAULT_ZERO_THRESHOLD,
    zeroCount: p.zeroCount,
    negativeSpans: negative.spans,
    negativeDeltas: negative.deltas,
    positiveSpans: positive.spans,
    positiveDeltas: positive.deltas,
    // counter-reset detection is left to Prometheus, which is always safe
    resetHint: ResetHint.UNKNOWN,
    timestamp,
    stale,
  };
}
