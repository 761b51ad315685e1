// What every stanza-based log receiver shares (contrib's adapter and helper packages): the
// encoding, multiline and retry_on_failure keys, the `attributes`/`resource` setters, and the
// hand-off of entries to the pipeline with retries on a retryable refusal.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type Consumer, type ConsumerError, duration, endpoint, notInFlowtel, tlsServerSchema, z } from '@flowtel/core';
import { byteSize, operatorsSchema, regex } from './config.ts';
import { toLogs } from './convert.ts';
import type { Entry, Value } from './entry.ts';
import { compileExpr, type Expr } from './expr.ts';

/** Encodings Node decodes (WHATWG names, as Go's htmlindex accepts), plus nop (raw bytes). */
export function encodingProblem(name: string): string | undefined {
  if (name === 'nop' || name === '') return undefined;
  try {
    new TextDecoder(name);
    return undefined;
  } catch {
    return `unsupported encoding '${name}' (e.g. utf-8, nop, ascii, utf-16le, utf-16be, latin1, big5, shift_jis)`;
  }
}

export const encodingSchema = z
  .string()
  .default('utf-8')
  .superRefine((v, ctx) => {
    const p = encodingProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

export const multilineSchema = z
  .object({
    line_start_pattern: regex().optional(),
    line_end_pattern: regex().optional(),
    omit_pattern: z.boolean().default(false),
  })
  .strict()
  .refine((m) => !m.line_start_pattern !== !m.line_end_pattern, {
    message: 'multiline: exactly one of line_start_pattern or line_end_pattern must be set',
  });

export const retrySchema = z
  .object({
    enabled: z.boolean().default(false),
    initial_interval: duration().default('1s'),
    max_interval: duration().default('30s'),
    max_elapsed_time: duration().default('5m'),
  })
  .strict()
  .default({});
export type RetryConfig = z.output<typeof retrySchema>;

/**
 * retry_on_failure's defaults, for a receiver whose config has no such keys: retrying is off,
 * so a refused batch is tried again (1 s, backing off to 30 s) until the receiver stops, never
 * given up on.
 */
export const RETRY_DEFAULTS: RetryConfig = retrySchema.parse(undefined);

/** `attributes`/`resource` of a receiver: EXPR(...) evaluated per entry, else the value (ints as int64). */
export class Attributer {
  private readonly attributes: Array<[string, Value, Expr | undefined]>;
  private readonly resource: Array<[string, Value, Expr | undefined]>;
  constructor(attributes: Record<string, unknown>, resource: Record<string, unknown>) {
    this.attributes = Attributer.setters(attributes);
    this.resource = Attributer.setters(resource);
  }

  private static setters(m: Record<string, unknown>): Array<[string, Value, Expr | undefined]> {
    return Object.entries(m).map(([k, v]) => {
      const x = typeof v === 'string' ? /^EXPR\(([\s\S]*)\)$/.exec(v.trim()) : null;
      const value = (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : (v ?? null)) as Value;
      return [k, value, x ? compileExpr(x[1]) : undefined];
    });
  }

  apply(e: Entry): void {
    for (const [k, v, x] of this.attributes) e.attributes[k] = x ? (x.eval(e) ?? null) : v;
    for (const [k, v, x] of this.resource) e.resource[k] = x ? (x.eval(e) ?? null) : v;
  }
}

/** Waits `ms`, or less when `signal` aborts (a receiver's backoff or poll interval, cut short by its shutdown). */
export const pauseUnless = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(() => undefined);

/**
 * Hands entries to the pipeline. A retryable refusal waits and tries again, so the caller
 * reads nothing meanwhile (back-pressure), until stop() or, with retry_on_failure enabled,
 * max_elapsed_time; a permanent refusal drops the entries (logged, and counted by the
 * pipeline's refused metric).
 */
export class LogDelivery {
  private readonly consumer?: Consumer;
  private readonly retry: RetryConfig;
  private readonly logger: Logger;
  /** what the entries are, for the log lines ("log records read from files") */
  private readonly what: string;
  private readonly stopped = new AbortController();
  private lastRefusalLog = 0;
  constructor(consumer: Consumer | undefined, retry: RetryConfig, logger: Logger, what: string) {
    this.consumer = consumer;
    this.retry = retry;
    this.logger = logger;
    this.what = what;
  }

  /** True when the entries were taken or dropped for good; false when stopped while they were refused. */
  async send(entries: Entry[]): Promise<boolean> {
    if (!this.consumer || entries.length === 0) return true;
    const data = toLogs(entries);
    let delay = this.retry.initial_interval;
    const started = Date.now();
    for (;;) {
      try {
        await this.consumer.consume({ signal: 'logs', data, items: entries.length });
        return true;
      } catch (err) {
        const ce = err as ConsumerError;
        const giveUp =
          this.retry.enabled &&
          this.retry.max_elapsed_time > 0 &&
          Date.now() - started + delay > this.retry.max_elapsed_time;
        if (!ce.retryable || giveUp) {
          this.logger.error(
            { error: ce.message, log_records: entries.length, retryable: ce.retryable },
            `the pipeline refused ${this.what}: dropped`,
          );
          return true;
        }
        if (this.stopped.signal.aborted) return false;
        if (Date.now() - this.lastRefusalLog > 10_000) {
          this.lastRefusalLog = Date.now();
          this.logger.warn({ error: ce.message, retry_in_ms: delay }, `the pipeline refused ${this.what}: retrying`);
        }
        await pauseUnless(delay, this.stopped.signal);
        if (this.stopped.signal.aborted) return false;
        delay = Math.min(delay * 1.5, this.retry.max_interval);
      }
    }
  }

  /** ends a retry wait: the refused entries stay with the caller */
  stop(): void {
    this.stopped.abort();
  }
}

/** The keys of a stanza receiver around its input (contrib's adapter.BaseConfig and the input's attributer). */
export const receiverShape = {
  attributes: z.record(z.unknown()).default({}),
  resource: z.record(z.unknown()).default({}),
  operators: operatorsSchema,
  retry_on_failure: retrySchema,
};

/** split.Config, trim.Config and the encoding, as the socket inputs take them */
const tokenShape = {
  encoding: encodingSchema,
  multiline: multilineSchema.optional(),
  preserve_leading_whitespaces: z.boolean().default(false),
  preserve_trailing_whitespaces: z.boolean().default(false),
  add_attributes: z.boolean().default(false),
  one_log_per_packet: z.boolean().default(false),
};

/** contrib's tcp_input BaseConfig (the tcplog receiver, and the syslog receiver's `tcp`) */
export const tcpInputShape = {
  listen_address: endpoint(),
  max_log_size: byteSize()
    .default('1MiB')
    .refine((n) => n >= 65536, {
      message: "invalid value for parameter 'max_log_size', must be equal to or greater than 65536 bytes",
    }),
  max_buffer_size: notInFlowtel('max_buffer_size was renamed max_log_size in contrib: write max_log_size'),
  tls: tlsServerSchema.optional(),
  max_connections: z.number().int().nonnegative().default(0),
  connection_idle_timeout: duration().default('0s'),
  ...tokenShape,
};

/** contrib's udp_input BaseConfig (the udplog receiver, and the syslog receiver's `udp`) */
export const udpInputShape = {
  listen_address: endpoint(),
  async: notInFlowtel(
    'async is not in flowtel: Node reads the socket on one thread; datagrams wait in an 8 MiB queue while the pipeline is busy (what overflows is dropped and counted)',
  ),
  ...tokenShape,
};
