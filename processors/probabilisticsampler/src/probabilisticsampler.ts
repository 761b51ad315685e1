import type { Counter } from '@opentelemetry/api';
import { filter, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, OtlpV1Signal, Processor } from '@flowtel/core';
import { type LogRecord, logRecordCount, type Logs, type Span, spanCount, type Traces } from '@flowtel/pdata';
import type { ProbabilisticSamplerConfig } from './config.ts';
import {
  type DataSampler,
  type Decision,
  logPriority,
  makeSampler,
  type Priority,
  SamplerError,
  shouldSampleItem,
  spanPriority,
} from './samplers.ts';

/** contrib's metric names (mdatagen's, with otelcol's prefix) */
export const METRICS = {
  traces: 'otelcol_processor_probabilistic_sampler_count_traces_sampled',
  spans: 'otelcol_processor_probabilistic_sampler_count_spans_processed_total',
  logs: 'otelcol_processor_probabilistic_sampler_count_logs_sampled',
} as const;

/**
 * contrib's probabilistic_sampler: each span or log record is kept or dropped on its own, by its
 * randomness (a hash of the trace id or an attribute, the trace id's last 7 bytes, or an explicit
 * `rv`) against the mode's threshold; what is kept carries the threshold it was sampled at (the
 * tracestate's `ot=th:`, a record's `sampling.threshold`). Containers left empty go, and a batch
 * left empty is acknowledged here. Every decision is counted, with its policy.
 */
export class ProbabilisticSamplerProcessor implements Processor {
  private readonly sampler: DataSampler;
  private readonly counters: Counter[];
  private readonly logPriority: Priority<LogRecord>;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: ProbabilisticSamplerConfig,
    signal: OtlpV1Signal,
  ) {
    this.sampler = makeSampler(config);
    const counter = (name: string, description: string) =>
      settings.meter.createCounter(name, { description, unit: '1' });
    this.counters =
      signal === 'logs'
        ? [counter(METRICS.logs, 'Count of logs that were sampled or not')]
        : [
            counter(METRICS.spans, 'Count of spans that were sampled or not'),
            counter(METRICS.traces, '[DEPRECATED] Count of spans that were sampled or not'),
          ];
    this.logPriority = logPriority(config.sampling_priority, config.sampling_precision);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (batch.signal === 'traces') {
        if (!this.traces(batch.data)) return true;
        batch.items = spanCount(batch.data);
        if (batch.data.resourceSpans.length > 0) return true;
      } else if (batch.signal === 'logs') {
        if (!this.logs(batch.data)) return true;
        batch.items = logRecordCount(batch.data);
        if (batch.data.resourceLogs.length > 0) return true;
      } else return true;
      // nothing left: the sampler took it
      batch.ack.resolve();
      return false;
    });
  }

  private count(d: Decision, description: string): boolean {
    const attrs = { policy: d.policy, sampled: String(d.sampled) };
    for (const c of this.counters) c.add(1, attrs);
    if (d.err) {
      const log = { err: d.err.message };
      if (d.err instanceof SamplerError) this.settings.logger.debug(log, description);
      else this.settings.logger.info(log, description);
    }
    return d.sampled;
  }

  /** Drops the spans not sampled; whether any was dropped. */
  traces(data: Traces): boolean {
    const { sampler, config } = this;
    let dropped = false;
    const keep = (span: Span) =>
      this.count(
        shouldSampleItem(span, sampler, sampler.fromSpan, spanPriority, config.fail_closed),
        'traces sampler',
      ) || !(dropped = true);
    data.resourceSpans = data.resourceSpans.filter((rs) => {
      rs.scopeSpans = rs.scopeSpans.filter((ss) => (ss.spans = ss.spans.filter(keep)).length > 0);
      return rs.scopeSpans.length > 0;
    });
    return dropped;
  }

  /** Drops the log records not sampled; whether any was dropped. */
  logs(data: Logs): boolean {
    const { sampler, config } = this;
    let dropped = false;
    const keep = (record: LogRecord) =>
      this.count(
        shouldSampleItem(record, sampler, sampler.fromLogRecord, this.logPriority, config.fail_closed),
        'logs sampler',
      ) || !(dropped = true);
    data.resourceLogs = data.resourceLogs.filter((rl) => {
      rl.scopeLogs = rl.scopeLogs.filter((sl) => (sl.logRecords = sl.logRecords.filter(keep)).length > 0);
      return rl.scopeLogs.length > 0;
    });
    return dropped;
  }
}
