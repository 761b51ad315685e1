// What batching OTLP data needs per signal, for the batch processor and the exporter queue's
// batcher alike: its item count, a cut after N items, a join, and its protobuf size (otelcol's
// `bytes` sizer).
import { concatLogs, concatMetrics, concatProfiles, concatTraces } from './concat.ts';
import { dataPointCount, logRecordCount, spanCount } from './count.ts';
import type { Logs, Metrics, Profiles, Traces } from './model.ts';
import { encodeProfiles } from './proto/profiles.ts';
import { profileSampleCount } from './profiles/read.ts';
import { encodeLogs, encodeMetrics, encodeTraces, passThroughBytes } from './proto/index.ts';
import { splitLogs, splitMetrics, splitProfiles, splitTraces } from './split.ts';

export type OtlpData = Traces | Metrics | Logs | Profiles;

export interface OtlpOps {
  count(data: OtlpData): number;
  split(data: OtlpData, n: number): [OtlpData, OtlpData];
  concat(parts: OtlpData[]): OtlpData;
  /** bytes of the protobuf encoding: the request's own bytes when nothing has looked at it */
  bytes(data: OtlpData): number;
}

export const OTLP_OPS: Record<'traces' | 'metrics' | 'logs' | 'profiles', OtlpOps> = {
  traces: {
    count: (d) => spanCount(d as Traces),
    split: (d, n) => splitTraces(d as Traces, n),
    concat: (p) => concatTraces(p as Traces[]),
    bytes: (d) => passThroughBytes(d)?.length ?? encodeTraces(d as Traces).length,
  },
  metrics: {
    count: (d) => dataPointCount(d as Metrics),
    split: (d, n) => splitMetrics(d as Metrics, n),
    concat: (p) => concatMetrics(p as Metrics[]),
    bytes: (d) => passThroughBytes(d)?.length ?? encodeMetrics(d as Metrics).length,
  },
  logs: {
    count: (d) => logRecordCount(d as Logs),
    split: (d, n) => splitLogs(d as Logs, n),
    concat: (p) => concatLogs(p as Logs[]),
    bytes: (d) => passThroughBytes(d)?.length ?? encodeLogs(d as Logs).length,
  },
  profiles: {
    count: (d) => profileSampleCount(d as Profiles),
    split: (d, n) => splitProfiles(d as Profiles, n),
    concat: (p) => concatProfiles(p as Profiles[]),
    bytes: (d) => encodeProfiles(d as Profiles).length,
  },
};
