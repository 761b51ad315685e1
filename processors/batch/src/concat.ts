// Merging batches of one signal is concatenation of their resource lists, as otelcol's
// batch processor does (MoveAndAppendTo): equal resources are not folded together.
import type { Logs, Metrics, Traces } from '@flowtel/pdata';

export const concatTraces = (parts: Traces[]): Traces => ({ resourceSpans: parts.flatMap((p) => p.resourceSpans) });
export const concatMetrics = (parts: Metrics[]): Metrics => ({ resourceMetrics: parts.flatMap((p) => p.resourceMetrics) });
export const concatLogs = (parts: Logs[]): Logs => ({ resourceLogs: parts.flatMap((p) => p.resourceLogs) });
