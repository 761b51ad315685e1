import { filter } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { retryable } from '@flowtel/core';
import type { Batch, CreateSettings, Processor } from '@flowtel/core';
import type { MemoryLimiterConfig } from './config.ts';
import { MemoryMonitor } from './monitor.ts';

/** otelcol's error text, so clients and dashboards see the same refusal. */
export const DATA_REFUSED = 'data refused due to high memory usage';

/**
 * Refuses every batch with a retryable error while the monitor says memory is above the
 * soft limit: receivers answer 503 / UNAVAILABLE and clients retry later. Below it, batches
 * pass untouched.
 */
export class MemoryLimiterProcessor implements Processor {
  readonly monitor: MemoryMonitor;

  constructor(settings: CreateSettings, config: MemoryLimiterConfig) {
    this.monitor = new MemoryMonitor(config, settings.logger);
  }

  async start(): Promise<void> {
    this.monitor.start();
  }

  async shutdown(): Promise<void> {
    this.monitor.stop();
  }

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      if (!this.monitor.mustRefuse) return true;
      batch.ack.reject(retryable(DATA_REFUSED));
      return false;
    });
  }
}
