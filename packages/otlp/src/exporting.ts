// What the otlp_grpc and otlp_http exporters share around the wire call.
import {
  createQueuedExporter,
  type Batch,
  type CreateSettings,
  type Exporter,
  type ExporterHelperConfig,
  type Host,
  type PipelineSignal,
} from '@flowtel/core';
import { clientAuthenticator, type AuthConfig, type ClientAuthenticator } from './auth.ts';
import type { SignalCodec } from './signals.ts';
import type { ExportResponse } from '@flowtel/pdata';

const REJECTED_FIELD = {
  traces: 'rejected_spans',
  metrics: 'rejected_data_points',
  logs: 'rejected_log_records',
  profiles: 'rejected_profiles',
} as const;

/** The backend kept part of the data: otelcol logs that as a warning and counts it sent. */
export function warnOnPartialSuccess(
  logger: CreateSettings['logger'],
  codec: SignalCodec,
  response: ExportResponse,
): void {
  const partial = response.partialSuccess;
  if (!partial || (partial.rejected === 0n && !partial.errorMessage)) return;
  logger.warn(
    { message: partial.errorMessage, [REJECTED_FIELD[codec.signal]]: Number(partial.rejected) },
    'Partial success response',
  );
}

/** The static `headers` of the config plus what a client authenticator adds per request. */
export class RequestHeaderSource {
  private readonly fixed: Record<string, string>;
  private readonly auth?: AuthConfig;
  private authenticator?: ClientAuthenticator;

  constructor(headers: Record<string, string>, auth: AuthConfig | undefined) {
    this.fixed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    this.auth = auth;
  }

  /** Looks the authenticator up; call from the exporter's start. */
  start(host: Host): void {
    if (this.auth) this.authenticator = clientAuthenticator(host, this.auth);
  }

  async headers(): Promise<Record<string, string>> {
    if (!this.authenticator) return this.fixed;
    const extra = await this.authenticator.headers();
    return { ...this.fixed, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.toLowerCase(), v])) };
  }
}

/** One exporter's wire: what the exporter helper's queue and retries drive. */
export interface OtlpSender {
  start(host: Host): Promise<void>;
  /** one attempt; throws a ConsumerError */
  push(batch: Batch, abort: AbortSignal): Promise<void>;
  shutdown(): Promise<void>;
}

export function queuedSenderExporter(
  settings: CreateSettings,
  config: ExporterHelperConfig,
  signals: PipelineSignal[],
  sender: OtlpSender,
): Exporter {
  return createQueuedExporter({
    settings,
    config,
    signals,
    push: (batch, abort) => sender.push(batch, abort),
    start: (host) => sender.start(host),
    shutdown: () => sender.shutdown(),
  });
}
