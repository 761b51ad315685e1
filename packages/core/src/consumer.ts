import type { Logs, Metrics, Profiles, Resource, SocketEventBatch, Traces } from '@flowtel/pdata';

export type Signal = 'traces' | 'metrics' | 'logs' | 'profiles' | 'socket';
/** The signals a pipeline can be declared for (profiles behind otelcol's gate); `socket` only flows inside one. */
export const PIPELINE_SIGNALS = ['traces', 'metrics', 'logs', 'profiles'] as const;
export type PipelineSignal = (typeof PIPELINE_SIGNALS)[number];
/**
 * The OTLP v1 signals: what a component that does not take profiles is created for (its
 * factory's stability leaves profiles out, so validation keeps it out of profiles pipelines).
 */
export type OtlpV1Signal = Exclude<PipelineSignal, 'profiles'>;

/** A refusal. Retryable ones (memory limit, full queue) tell the client to come back. */
export class ConsumerError extends Error {
  readonly retryable: boolean;
  /** a hint for the client's Retry-After, when the refuser knows one */
  readonly retryAfterMs?: number;
  /**
   * The id of the exporter or connector that refused, set by the pipeline's fan-out: who to
   * name when a refusal is logged after the data was acknowledged upstream.
   */
  origin?: string;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: options?.cause });
    this.name = retryable ? 'RetryableError' : 'PermanentError';
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export const retryable = (message: string, options?: { cause?: unknown; retryAfterMs?: number }) =>
  new ConsumerError(message, true, options);
export const permanent = (message: string, options?: { cause?: unknown }) => new ConsumerError(message, false, options);

/** Any thrown value as a ConsumerError; unknown failures are retryable, as otelcol treats them. */
export function asConsumerError(err: unknown): ConsumerError {
  if (err instanceof ConsumerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ConsumerError(message, true, { cause: err });
}

/**
 * The acknowledgement a batch carries back to its receiver. Settles once; fan-out splits it
 * (the parent settles when every child has, and fails if any child fails, a permanent refusal
 * winning over a retryable one); merging joins several into one.
 */
export class Ack {
  private settled = false;
  private readonly onSettle: (err?: ConsumerError) => void;

  constructor(onSettle: (err?: ConsumerError) => void) {
    this.onSettle = onSettle;
  }

  /** An Ack and the promise it settles. */
  static withPromise(): { ack: Ack; done: Promise<void> } {
    let ack!: Ack;
    const done = new Promise<void>((resolve, reject) => {
      ack = new Ack((err) => (err ? reject(err) : resolve()));
    });
    return { ack, done };
  }

  /** One Ack that settles all of `acks` the same way. */
  static join(acks: Ack[]): Ack {
    return new Ack((err) => {
      for (const a of acks) a.settle(err);
    });
  }

  static none(): Ack {
    return new Ack(() => {});
  }

  get isSettled(): boolean {
    return this.settled;
  }

  resolve(): void {
    this.settle(undefined);
  }

  reject(err: unknown): void {
    this.settle(asConsumerError(err));
  }

  settle(err: ConsumerError | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle(err);
  }

  split(n: number): Ack[] {
    if (n === 0) {
      this.resolve();
      return [];
    }
    if (n === 1) return [this];
    let pending = n;
    let failure: ConsumerError | undefined;
    const child = () =>
      new Ack((err) => {
        if (err && (!failure || (failure.retryable && !err.retryable))) failure = err;
        if (--pending === 0) this.settle(failure);
      });
    return Array.from({ length: n }, child);
  }

  /** Settle from a promise's outcome. */
  follow(p: Promise<unknown>): void {
    p.then(
      () => this.resolve(),
      (err) => this.reject(err),
    );
  }
}

/** Client information a receiver attaches (`include_metadata`, auth results). */
export interface ClientInfo {
  address?: string;
  metadata?: Record<string, string[]>;
  auth?: Record<string, unknown>;
}

interface BatchBase {
  /** the number of spans, data points, log records or socket events: otelcol's items */
  items: number;
  ack: Ack;
  client?: ClientInfo;
  /** how the receiver got it (grpc, http, ebpf, ...): the `transport` of its metrics */
  transport?: string;
}
export interface TracesBatch extends BatchBase {
  signal: 'traces';
  data: Traces;
}
export interface MetricsBatch extends BatchBase {
  signal: 'metrics';
  data: Metrics;
}
export interface LogsBatch extends BatchBase {
  signal: 'logs';
  data: Logs;
}
/** items counts profile samples, as otelcol's *_profile_samples metrics do */
export interface ProfilesBatch extends BatchBase {
  signal: 'profiles';
  data: Profiles;
}
export interface SocketBatch extends BatchBase {
  signal: 'socket';
  data: SocketEventBatch;
}
export type Batch = TracesBatch | MetricsBatch | LogsBatch | ProfilesBatch | SocketBatch;
/** The resources of a batch's data (socket events have none): what resource processors edit. */
export function resourcesOf(batch: Batch): Resource[] {
  switch (batch.signal) {
    case 'traces':
      return batch.data.resourceSpans.map((r) => r.resource);
    case 'logs':
      return batch.data.resourceLogs.map((r) => r.resource);
    case 'metrics':
      return batch.data.resourceMetrics.map((r) => r.resource);
    case 'profiles':
      return batch.data.resourceProfiles.map((r) => r.resource);
    default:
      return [];
  }
}

export type DataOf<S extends Signal> = Extract<Batch, { signal: S }>['data'];

/** A batch before the pipeline gives it an Ack: what receivers and connectors hand over. */
export type BatchInput = Batch extends infer B ? (B extends Batch ? Omit<B, 'ack'> : never) : never;

/**
 * Where a receiver or connector sends data. The promise resolves once the pipeline has
 * accepted the batch (queued or exported) and rejects with a ConsumerError when refused:
 * only then may a receiver answer its client.
 */
export interface Consumer {
  consume(batch: BatchInput): Promise<void>;
  /**
   * Given to connectors (otelcol's connector router): a consumer feeding only the named ones of
   * the pipelines this one feeds, for connectors that choose where data goes (routing). Throws
   * for a pipeline this consumer does not feed. Consumers built for tests may lack it.
   */
  pipelines?(ids: readonly string[]): Consumer;
}

/**
 * What a receiver or connector is given to send into: one consumer per signal of the pipelines
 * that name it, each fanning out to those pipelines. A signal no such pipeline carries has none.
 */
export type Consumers = Partial<Record<PipelineSignal, Consumer>>;
