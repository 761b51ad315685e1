// The field numbers of prometheus/prompb (remote.proto, types.proto), remote write 1.0, by
// message: what the encoders write, by name.
export const Field = {
  WriteRequest: { timeseries: 1, metadata: 3 },
  TimeSeries: { labels: 1, samples: 2, exemplars: 3, histograms: 4 },
  Label: { name: 1, value: 2 },
  Sample: { value: 1, timestamp: 2 },
  Exemplar: { labels: 1, value: 2, timestamp: 3 },
  Histogram: {
    countInt: 1,
    sum: 3,
    schema: 4,
    zeroThreshold: 5,
    zeroCountInt: 6,
    negative: { spans: 8, deltas: 9 },
    positive: { spans: 11, deltas: 12 },
    resetHint: 14,
    timestamp: 15,
  },
  BucketSpan: { offset: 1, length: 2 },
  MetricMetadata: { type: 1, metricFamilyName: 2, help: 4, unit: 5 },
} as const;
