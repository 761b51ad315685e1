// Merging batches of one signal is concatenation of their resource lists, as otelcol's
// batch processor does (MoveAndAppendTo): equal resources are not folded together. Requests
// nothing has looked at are joined as bytes, which is the same list without a decode.
import { concatLogsPassThrough, concatMetricsPassThrough, concatTracesPassThrough } from './proto/index.ts';
import type { Logs, Metrics, Profiles, Traces } from './model.ts';
import { ProfilesBuilder } from './profiles/builder.ts';

export const concatTraces = (parts: Traces[]): Traces =>
  concatTracesPassThrough(parts) ?? { resourceSpans: parts.flatMap((p) => p.resourceSpans) };
export const concatMetrics = (parts: Metrics[]): Metrics =>
  concatMetricsPassThrough(parts) ?? { resourceMetrics: parts.flatMap((p) => p.resourceMetrics) };
export const concatLogs = (parts: Logs[]): Logs =>
  concatLogsPassThrough(parts) ?? { resourceLogs: parts.flatMap((p) => p.resourceLogs) };
/** Profiles carry a dictionary per request: joining re-indexes every part into one. */
export function concatProfiles(parts: Profiles[]): Profiles {
  if (parts.length === 1) return parts[0];
  const b = new ProfilesBuilder();
  for (const p of parts) b.add(p);
  return b.build();
}
