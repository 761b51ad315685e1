import { map, type OperatorFunction } from 'rxjs';
import { AttrProc, type ConvertFailure } from '@flowtel/attraction';
import type { Batch, CreateSettings, OtlpV1Signal, Processor } from '@flowtel/core';
import {
  ignoredForMetrics,
  type LogSkip,
  logSkipper,
  type MetricSkip,
  metricSkipper,
  type SpanSkip,
  spanSkipper,
} from '@flowtel/filter';
import type { KeyValue, Logs, Metric, Metrics, Traces } from '@flowtel/pdata';
import type { AttributesConfig } from './config.ts';

/**
 * contrib's attributes processor: the actions, in order, on the attributes of every span, log
 * record or metric data point that include/exclude lets through. Changes the batch in place (the
 * factory declares mutatesData, so a fanned-out pipeline has its own copy).
 */
export class AttributesProcessor implements Processor {
  private readonly attrProc: AttrProc;
  private readonly spanSkip?: SpanSkip;
  private readonly logSkip?: LogSkip;
  private readonly metricSkip?: MetricSkip;
  private readonly onConvertFailure: ConvertFailure;

  constructor(
    private readonly settings: CreateSettings,
    config: AttributesConfig,
    signal: OtlpV1Signal,
  ) {
    this.attrProc = new AttrProc(config.actions);
    // the per-signal include/exclude rules are contrib's, checked when it creates the processor
    if (signal === 'traces') this.spanSkip = spanSkipper(config);
    else if (signal === 'logs') this.logSkip = logSkipper(config);
    else {
      this.metricSkip = metricSkipper(config);
      const ignored = ignoredForMetrics(config);
      if (ignored.length > 0) {
        settings.logger.warn(
          { ignored },
          'metrics match on metric_names only, as in otelcol-contrib: these include/exclude keys do not select metrics',
        );
      }
    }
    this.onConvertFailure = (key, message) => settings.logger.debug({ key }, message);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      try {
        if (batch.signal === 'traces') this.traces(batch.data, batch);
        else if (batch.signal === 'logs') this.logs(batch.data, batch);
        else if (batch.signal === 'metrics') this.metrics(batch.data, batch);
      } catch (err) {
        this.settings.logger.error(
          { err: (err as Error).message },
          'attributes processor failed on a batch; it passes on',
        );
      }
      return batch;
    });
  }

  private apply(attrs: KeyValue[], batch: Batch): void {
    this.attrProc.process(attrs, batch.client, this.onConvertFailure);
  }

  private traces(data: Traces, batch: Batch): void {
    for (const rs of data.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          if (this.spanSkip?.(span, rs.resource, ss.scope)) continue;
          this.apply(span.attributes, batch);
        }
      }
    }
  }

  private logs(data: Logs, batch: Batch): void {
    for (const rl of data.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const log of sl.logRecords) {
          if (this.logSkip?.(log, rl.resource, sl.scope)) continue;
          this.apply(log.attributes, batch);
        }
      }
    }
  }

  private metrics(data: Metrics, batch: Batch): void {
    for (const rm of data.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const metric of sm.metrics) {
          if (this.metricSkip?.(metric)) continue;
          for (const dp of dataPoints(metric)) this.apply(dp.attributes, batch);
        }
      }
    }
  }
}

function dataPoints(m: Metric): { attributes: KeyValue[] }[] {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
}
