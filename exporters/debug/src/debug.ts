import type { Writable } from 'node:stream';
import { DIRECT_EXPORT, createQueuedExporter } from '@flowtel/core';
import type { Batch, CreateSettings, Exporter, PipelineSignal } from '@flowtel/core';
import { dataPointCount, logRecordCount, profileSampleCount, spanCount } from '@flowtel/pdata';
import type { DebugConfig } from './config.ts';
import { Sampler } from './sampler.ts';
import { logsDetailed, metricsDetailed, profilesDetailed, tracesDetailed } from './text/detailed.ts';
import { logsNormal, metricsNormal, profilesNormal, tracesNormal } from './text/normal.ts';
import { socketDetailed, socketNormal } from './text/socket.ts';

type Fields = Record<string, number | string>;

/** The one-line summary every verbosity starts with, as otelcol's debug exporter logs it. */
function summary(batch: Batch): { message: string; fields: Fields } {
  switch (batch.signal) {
    case 'traces':
      return {
        message: 'Traces',
        fields: { 'resource spans': batch.data.resourceSpans.length, spans: spanCount(batch.data) },
      };
    case 'metrics': {
      const metrics = batch.data.resourceMetrics.reduce(
        (n, rm) => n + rm.scopeMetrics.reduce((m, sm) => m + sm.metrics.length, 0),
        0,
      );
      return {
        message: 'Metrics',
        fields: {
          'resource metrics': batch.data.resourceMetrics.length,
          metrics,
          'data points': dataPointCount(batch.data),
        },
      };
    }
    case 'logs':
      return {
        message: 'Logs',
        fields: { 'resource logs': batch.data.resourceLogs.length, 'log records': logRecordCount(batch.data) },
      };
    case 'profiles':
      return {
        message: 'Profiles',
        fields: {
          'resource profiles': batch.data.resourceProfiles.length,
          'sample records': profileSampleCount(batch.data),
        },
      };
    case 'socket':
      return { message: 'SocketEvents', fields: { source: batch.data.source, 'socket events': batch.data.count } };
  }
}

function body(batch: Batch, verbosity: 'normal' | 'detailed'): string {
  const detailed = verbosity === 'detailed';
  switch (batch.signal) {
    case 'traces':
      return detailed ? tracesDetailed(batch.data) : tracesNormal(batch.data);
    case 'metrics':
      return detailed ? metricsDetailed(batch.data) : metricsNormal(batch.data);
    case 'logs':
      return detailed ? logsDetailed(batch.data) : logsNormal(batch.data);
    case 'profiles':
      return detailed ? profilesDetailed(batch.data) : profilesNormal(batch.data);
    case 'socket':
      return detailed ? socketDetailed(batch.data) : socketNormal(batch.data);
  }
}

/** zap's console encoding of fields: `{"resource spans": 1, "spans": 2}`. */
const consoleFields = (fields: Fields): string =>
  `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}: ${typeof v === 'number' ? v : JSON.stringify(v)}`)
    .join(', ')}}`;

export interface DebugOutput {
  /** where `use_internal_logger: false` writes; stdout unless a test gives another stream */
  stdout?: Writable;
}

/**
 * Prints every batch: the summary line always, then one line per item (normal) or the full
 * dump (detailed). Through the collector's logger by default, as otelcol does (so it lands
 * where the service's logs go, stderr by default); on stdout as plain text with
 * `use_internal_logger: false`.
 */
export function createDebugExporter(
  settings: CreateSettings,
  config: DebugConfig,
  signals: PipelineSignal[],
  output: DebugOutput = {},
): Exporter {
  const sampler = new Sampler(config.sampling_initial, config.sampling_thereafter);
  const stdout = output.stdout ?? process.stdout;
  const write = (message: string, fields?: Fields) => {
    if (!sampler.allow(message)) return;
    if (config.use_internal_logger) settings.logger.info(fields ?? {}, message);
    else stdout.write(fields ? `${message}\t${consoleFields(fields)}\n` : `${message}\n`);
  };
  return createQueuedExporter({
    settings,
    signals,
    // otelcol's debug exporter has no queue, no retry and no timeout
    config: DIRECT_EXPORT,
    push: async (batch) => {
      const { message, fields } = summary(batch);
      write(message, fields);
      if (config.verbosity !== 'basic') write(body(batch, config.verbosity));
    },
  });
}
