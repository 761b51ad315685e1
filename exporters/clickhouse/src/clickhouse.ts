// The exporter: a queue in front of the ClickHouse store (packages/clickhouse), which opens
// the engine, creates the tables and writes each batch.
import type { CreateSettings, Exporter, PipelineSignal } from '@flowtel/core';
import { createQueuedExporter } from '@flowtel/core';
import { ClickHouseStore } from '@flowtel/clickhouse';
import { dictionaryOf } from '@flowtel/processor-smartencoding';
import type { ClickHouseConfig } from './config.ts';

export function createStore(
  settings: CreateSettings,
  cfg: ClickHouseConfig,
  signals: PipelineSignal[],
): ClickHouseStore {
  return new ClickHouseStore(cfg, {
    configDir: settings.configDir,
    logger: settings.logger,
    signals,
    dictionaries: dictionaryOf,
    timeoutMs: cfg.timeout > 0 ? cfg.timeout : undefined,
  });
}

export function createClickHouseExporter(
  settings: CreateSettings,
  cfg: ClickHouseConfig,
  signals: PipelineSignal[],
): Exporter {
  const store = createStore(settings, cfg, signals);
  return createQueuedExporter({
    settings,
    config: cfg,
    signals,
    push: (batch, signal) => store.write(batch, signal),
    start: () => store.open(),
    shutdown: () => store.close(),
  });
}
