// The exporter's `push`: translate a batch once, encode and compress it into requests of at
// most max_batch_size_bytes, and send them num_consumers at a time. The exporter helper
// retries a failed push; requests already taken are remembered per batch and not sent twice.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Batch, CreateSettings, Host } from '@flowtel/core';
import { ConsumerError, permanent } from '@flowtel/core';
import type { Metrics } from '@flowtel/pdata';
import { clientAuthenticator } from '@flowtel/otlp';
import { RemoteWriteClient } from './client.ts';
import type { Config } from './config.ts';
import { configLabels, type TranslateSettings, Translator, translationStrategy } from '@flowtel/prometheus';
import { RemoteWriteTelemetry } from './telemetry.ts';
import type { EncodedRequest } from './write-request.ts';
import { WriteRequestEncoder } from './write-request.ts';

// through the package, not import.meta.url: bundled into the collector this file has moved
const packageJson = join(
  dirname(dirname(createRequire(import.meta.url).resolve('@flowtel/exporter-prometheus-remote-write'))),
  'package.json',
);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
export const USER_AGENT = `flowtel/${version}`;
const MAX_REMEMBERED_REASONS = 1000;

interface PendingRequest extends Omit<EncodedRequest, 'body'> {
  sent: boolean;
}

export function translateSettings(config: Config): TranslateSettings {
  const strategy = translationStrategy(config.add_metric_suffixes, config.translation_strategy);
  return {
    strategy,
    namespace: config.namespace,
    externalLabels: configLabels(config.external_labels, strategy),
    targetInfo: config.target_info.enabled,
    exportCreatedMetric: config.export_created_metric.enabled,
    resourceToTelemetry: config.resource_to_telemetry_conversion.enabled,
    excludeServiceAttributes: config.resource_to_telemetry_conversion.exclude_service_attributes,
    sendMetadata: config.send_metadata,
  };
}

export class RemoteWriteExporter {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly translator: Translator;
  private readonly telemetry: RemoteWriteTelemetry;
  private readonly encoder: WriteRequestEncoder;
  private readonly pending = new WeakMap<Batch, PendingRequest[]>();
  private readonly warned = new Set<string>();
  private client?: RemoteWriteClient;

  constructor(settings: CreateSettings, config: Config) {
    this.settings = settings;
    this.config = config;
    this.translator = new Translator(translateSettings(config));
    this.encoder = new WriteRequestEncoder(config.max_batch_size_bytes, 'label-aware');
    this.telemetry = new RemoteWriteTelemetry(settings.meter, settings.id);
  }

  readonly start = async (host: Host): Promise<void> => {
    const auth = this.config.auth ? clientAuthenticator(host, this.config.auth) : undefined;
    this.client = new RemoteWriteClient({
      endpoint: this.config.endpoint,
      headers: this.config.headers,
      tls: this.config.tls,
      baseDir: this.settings.configDir,
      userAgent: USER_AGENT,
      maxSockets: this.config.remote_write_queue.num_consumers,
      proxyUrl: this.config.proxy_url,
      auth,
    });
    this.telemetry.consumersStarted(this.config.remote_write_queue.num_consumers);
  };

  readonly shutdown = async (): Promise<void> => {
    this.client?.close();
  };

  /** One attempt at sending a batch: what an earlier attempt got through is not sent again. */
  readonly push = async (batch: Batch, signal: AbortSignal): Promise<void> => {
    if (batch.signal !== 'metrics') throw permanent(`prometheus_remote_write exports metrics, not ${batch.signal}`);
    const client = this.client;
    if (!client) throw new Error('exporter not started');
    let requests = this.pending.get(batch);
    if (!requests) {
      requests = this.prepare(batch.data);
      this.pending.set(batch, requests);
    }
    const todo = requests.filter((r) => !r.sent);
    let failure: unknown;
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const request = todo[next++];
        try {
          await client.send(request.compressed, signal);
          request.sent = true;
          this.telemetry.sent(true, request);
        } catch (err) {
          this.telemetry.sent(false, request);
          // a permanent refusal decides: retrying the batch would not change it
          if (failure === undefined || (err instanceof ConsumerError && !err.retryable)) failure = err;
        }
      }
    };
    const workers = Math.min(this.config.remote_write_queue.num_consumers, todo.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) throw failure;
  };

  /** Each new reason is a warning once (a delta metric would otherwise vanish without a word); repeats go to debug. */
  private reportDropped(errors: string[], droppedPoints: number, translated: number): void {
    const fresh = errors.filter((e) => !this.warned.has(e));
    if (this.warned.size > MAX_REMEMBERED_REASONS) this.warned.clear();
    for (const e of fresh) this.warned.add(e);
    const fields = {
      errors: (fresh.length > 0 ? fresh : errors).slice(0, 10),
      dropped_points: droppedPoints,
      translated,
    };
    if (fresh.length > 0) this.settings.logger.warn(fields, 'failed to translate metrics, exporting remaining metrics');
    else this.settings.logger.debug(fields, 'failed to translate metrics, exporting remaining metrics');
  }

  /** Translates, encodes and compresses a batch into its requests. */
  prepare(metrics: Metrics): PendingRequest[] {
    const t = this.translator.translate(metrics);
    this.telemetry.translated(t.series.length, t.errors.length > 0, t.droppedPoints);
    if (t.errors.length > 0) this.reportDropped(t.errors, t.droppedPoints, t.series.length);
    // the bodies are views into the encoder's buffer: only the compressed bytes are kept
    return this.encoder.encode(t.series, t.metadata).map(({ body, ...rest }) => ({ ...rest, sent: false }));
  }
}
