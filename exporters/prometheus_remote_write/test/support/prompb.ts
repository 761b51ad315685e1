// prometheus.WriteRequest as .proto text, from prompb's published field numbers, so that
// protobufjs can read what our hand-written encoder writes.
import protobuf from 'protobufjs';

const PROMPB = `
syntax = "proto3";
package prometheus;
message WriteRequest {
  repeated TimeSeries timeseries = 1;
  repeated MetricMetadata metadata = 3;
}
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  enum ResetHint { UNKNOWN = 0; YES = 1; NO = 2; GAUGE = 3; }
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
}
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
  repeated Histogram histograms = 4;
}
message Label { string name = 1; string value = 2; }
`;

const root = protobuf.parse(PROMPB, { keepCase: true }).root;
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface DecodedLabel {
  name: string;
  value: string;
}
export interface DecodedSeries {
  labels: DecodedLabel[];
  samples: Array<{ value: number; timestamp: string }>;
  exemplars: Array<{ labels: DecodedLabel[]; value: number; timestamp: string }>;
  histograms: Array<Record<string, unknown>>;
}
export interface DecodedWriteRequest {
  timeseries: DecodedSeries[];
  metadata: Array<{ type: string; metric_family_name: string; help: string; unit: string }>;
}

export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const message = WriteRequest.decode(bytes);
  return WriteRequest.toObject(message, {
    longs: String,
    enums: String,
    defaults: true,
    arrays: true,
  }) as DecodedWriteRequest;
}

/** The raw 8 bytes of every sample value, in order: NaN payloads survive only this way. */
export function sampleValueBits(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  const reader = protobuf.Reader.create(bytes);
  const readSeries = (r: protobuf.Reader, end: number) => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 2) {
        const sampleEnd = r.uint32() + r.pos;
        while (r.pos < sampleEnd) {
          const t = r.uint32();
          if (t >>> 3 === 1) {
            out.push(Buffer.from(r.buf.subarray(r.pos, r.pos + 8)).readBigUInt64LE());
            r.pos += 8;
          } else r.skipType(t & 7);
        }
      } else r.skipType(tag & 7);
    }
  };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) {
      const end = reader.uint32() + reader.pos;
      readSeries(reader, end);
    } else reader.skipType(tag & 7);
  }
  return out;
}
