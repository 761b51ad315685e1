import type { CreateSettings } from '@flowtel/core';
import type { MemoryLimiterConfig } from './config.ts';
import { totalMemory } from './total-memory.ts';

const MIB = 1024 * 1024;
type Logger = CreateSettings['logger'];

export interface Limits {
  /** the hard limit, bytes */
  limit: number;
  /** the expected growth between two checks, bytes; the soft limit is limit - spike */
  spike: number;
}

export function limitsOf(config: MemoryLimiterConfig): Limits {
  const fixed = (limit: number, spike: number): Limits => ({
    limit,
    spike: spike === 0 ? Math.floor(limit / 5) : spike,
  });
  if (config.limit_mib > 0) return fixed(config.limit_mib * MIB, config.spike_limit_mib * MIB);
  const total = totalMemory();
  return fixed(
    Math.floor((config.limit_percentage * total) / 100),
    Math.floor((config.spike_limit_percentage * total) / 100),
  );
}

/** The process's resident memory: what the kernel's OOM killer and a cgroup limit count. */
export const residentMemory = (): number => process.memoryUsage.rss();

/** V8's collector, when node runs with --expose-gc. */
const exposedGc = (): (() => void) | undefined => (globalThis as { gc?: () => void }).gc;

/**
 * otelcol's memory limiter logic, measured on the resident set size: above the hard limit
 * it forces a GC (when exposed); above the soft limit it tries a GC at most every
 * min_gc_interval_when_soft_limited, and refuses data until memory is back under it.
 */
export class MemoryMonitor {
  readonly limits: Limits;
  private readonly config: MemoryLimiterConfig;
  private readonly logger: Logger;
  private readonly measure: () => number;
  private refusing = false;
  private lastGc = 0;
  private timer?: NodeJS.Timeout;

  constructor(config: MemoryLimiterConfig, logger: Logger, measure: () => number = residentMemory) {
    this.config = config;
    this.logger = logger;
    this.measure = measure;
    this.limits = limitsOf(config);
  }

  get mustRefuse(): boolean {
    return this.refusing;
  }

  start(): void {
    if (this.timer) return;
    this.logger.info(
      {
        limit_mib: Math.floor(this.limits.limit / MIB),
        spike_limit_mib: Math.floor(this.limits.spike / MIB),
        check_interval: `${this.config.check_interval}ms`,
      },
      'Memory limiter configured',
    );
    this.check();
    this.timer = setInterval(() => this.check(), this.config.check_interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    let used = this.measure();
    const { limit, spike } = this.limits;
    const soft = limit - spike;
    if (used >= limit && this.gcAllowed(this.config.min_gc_interval_when_hard_limited)) {
      this.logger.warn({ cur_mem_mib: mib(used) }, 'Memory usage is above hard limit. Forcing a GC.');
      used = this.collect();
    }
    const wasRefusing = this.refusing;
    let refuse = used >= soft;
    if (wasRefusing && !refuse) {
      this.logger.info({ cur_mem_mib: mib(used) }, 'Memory usage back within limits. Resuming normal operation.');
    }
    if (!wasRefusing && refuse) {
      if (this.gcAllowed(this.config.min_gc_interval_when_soft_limited)) {
        this.logger.info({ cur_mem_mib: mib(used) }, 'Memory usage is above soft limit. Forcing a GC.');
        used = this.collect();
        refuse = used >= soft;
      }
      if (refuse) this.logger.warn({ cur_mem_mib: mib(used) }, 'Memory usage is above soft limit. Refusing data.');
    }
    this.refusing = refuse;
  }

  private gcAllowed(minInterval: number): boolean {
    return exposedGc() !== undefined && Date.now() - this.lastGc >= minInterval;
  }

  private collect(): number {
    exposedGc()?.();
    this.lastGc = Date.now();
    const used = this.measure();
    this.logger.info({ cur_mem_mib: mib(used) }, 'Memory usage after GC.');
    return used;
  }
}

const mib = (bytes: number) => Math.floor(bytes / MIB);
