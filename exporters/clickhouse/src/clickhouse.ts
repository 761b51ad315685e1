// The exporter: a queue in front of the ClickHouse store (packages/clickhouse), which opens
// the engine, creates the tables and writes each batch.
import type { CreateSettings, Exporter, Host, PipelineSignal } from '@flowtel/core';
import { createQueuedExporter } from '@flowtel/core';
import { TAG_DICTIONARY, type TagEntries } from '@flowtel/core/smartencoding';
import { ClickHouseStore } from '@flowtel/clickhouse';
import type { ClickHouseConfig } from './config.ts';

/** `dictionaries` finds the SmartEncoding dictionary whose ids the records carry, by its name. */
export function createStore(
  settings: CreateSettings,
  cfg: ClickHouseConfig,
  signals: PipelineSignal[],
  dictionaries: (name: string) => TagEntries | undefined = () => undefined,
): ClickHouseStore {
  return new ClickHouseStore(cfg, {
    configDir: settings.configDir,
    logger: settings.logger,
    signals,
    dictionaries,
    timeoutMs: cfg.timeout > 0 ? cfg.timeout : undefined,
  });
}

export function createClickHouseExporter(
  settings: CreateSettings,
  cfg: ClickHouseConfig,
  signals: PipelineSignal[],
): Exporter {
  // the smartencoding processors offer their dictionaries through the host, which keeps them
  // until this exporter has flushed its queue at shutdown
  let host: Host | undefined;
  const store = createStore(settings, cfg, signals, (name) => host?.shared.lookup(TAG_DICTIONARY, name));
  return createQueuedExporter({
    settings,
    config: cfg,
    signals,
    push: (batch, signal) => store.write(batch, signal),
    start: (h) => {
      host = h;
      return store.open();
    },
    shutdown: () => store.close(),
  });
}
