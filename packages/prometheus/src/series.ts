// The remote write 1.0 data model (prompb), as the translator builds it and the encoder writes it.

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** milliseconds since the epoch */
  timestamp: number;
  /** a staleness marker: sent as Prometheus's StaleNaN bit pattern, which a JS NaN cannot carry */
  stale?: boolean;
}

export interface Exemplar {
  labels: Label[];
  value: number;
  timestamp: number;
}

export interface BucketSpan {
  offset: number;
  length: number;
}

export const ResetHint = { UNKNOWN: 0, YES: 1, NO: 2, GAUGE: 3 } as const;

/** A native (sparse, exponential) histogram with integer counts. */
export interface NativeHistogram {
  count: bigint;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCount: bigint;
  negativeSpans: BucketSpan[];
  /** each bucket's count minus the previous bucket's */
  negativeDeltas: number[];
  positiveSpans: BucketSpan[];
  positiveDeltas: number[];
  resetHint: number;
  timestamp: number;
  /** a staleness marker: sum is StaleNaN and count carries its bits */
  stale?: boolean;
}

export interface TimeSeries {
  /** sorted by name, `__name__` among them */
  labels: Label[];
  /** hash of the label set (labels.ts); lets the encoder reuse its bytes from one batch to the next */
  hash?: number;
  samples: Sample[];
  exemplars: Exemplar[];
  histograms: NativeHistogram[];
}

export const MetricType = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
} as const;

export interface MetricMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}

/** Prometheus's staleness marker: a NaN that tells the TSDB a series has ended. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;
