// One span or log record through the processor built from a config, as contrib's tests do it.
import { Ack, type Batch, type LogsBatch, type TracesBatch } from '@flowtel/core';
import { type AnyValue, type LogRecord, newLogRecord, newResource, newScope, newSpan, type Span } from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { factory, type ProbabilisticSamplerConfig } from '../src/index.ts';

export const tid = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** contrib's test configs are Go zero values: precision 0 (all digits), fail_closed false */
export const goConfig = (c: Partial<ProbabilisticSamplerConfig>): ProbabilisticSamplerConfig => ({
  sampling_percentage: 0,
  hash_seed: 0,
  mode: '',
  fail_closed: false,
  sampling_precision: 0,
  attribute_source: '',
  from_attribute: '',
  sampling_priority: '',
  ...c,
});

/** The span after the processor, or undefined when it was not sampled. */
export function sampleSpan(
  config: ProbabilisticSamplerConfig,
  traceId: Uint8Array,
  traceState = '',
  attr?: [string, AnyValue],
): Span | undefined {
  const p = factory.createProcessor(testSettings('probabilistic_sampler', 'processor'), config, 'traces', 'traces');
  const span = newSpan({
    traceId,
    spanId: tid('00000000fefefefe'),
    traceState,
    attributes: attr ? [{ key: attr[0], value: attr[1] }] : [],
  });
  const data = {
    resourceSpans: [
      { resource: newResource(), scopeSpans: [{ scope: newScope(), spans: [span], schemaUrl: '' }], schemaUrl: '' },
    ],
  };
  const { out } = pushThrough(p, { signal: 'traces', data, items: 1, ack: Ack.none() } as unknown as Batch);
  return (out[0] as TracesBatch | undefined)?.data.resourceSpans[0]?.scopeSpans[0]?.spans[0];
}

/** The record after the processor, or undefined when it was not sampled. */
export function sampleRecord(config: ProbabilisticSamplerConfig, fields: Partial<LogRecord>): LogRecord | undefined {
  const p = factory.createProcessor(testSettings('probabilistic_sampler', 'processor'), config, 'logs', 'logs');
  const data = {
    resourceLogs: [
      {
        resource: newResource(),
        scopeLogs: [{ scope: newScope(), logRecords: [newLogRecord(fields)], schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
  const { out } = pushThrough(p, { signal: 'logs', data, items: 1, ack: Ack.none() } as unknown as Batch);
  return (out[0] as LogsBatch | undefined)?.data.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
}
