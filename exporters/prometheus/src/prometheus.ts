// The pull endpoint: batches go into the accumulator as they arrive; each scrape of /metrics
// translates what it holds with the translation the remote write exporter uses
// (@flowtel/prometheus) and writes it as the text format, or as OpenMetrics when
// enable_open_metrics is on and the scraper asks for it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch, CreateSettings } from '@flowtel/core';
import { createHttpOrHttpsServer, listenOn, permanent } from '@flowtel/core';
import type { KeyValue } from '@flowtel/pdata';
import {
  configLabels,
  MetricNamer,
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  Translator,
  translationStrategy,
} from '@flowtel/prometheus';
import { Accumulator, type Entry } from './accumulator.ts';
import type { Config } from './config.ts';
import { CONTENT_TYPES, type ExpositionFormat, families, writeExposition } from './exposition.ts';

const gzip = promisify(gzipCallback);

interface CachedPage {
  version: number;
  body: Buffer;
  gzipped?: Buffer;
}
const MAX_WARNED = 1000;
const SERVICE_ATTRIBUTES: ReadonlySet<string> = new Set([SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]);

/** `*` matches any run of characters, as contrib's resource_constant_labels patterns. */
const wildcard = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Which resource attributes become labels on every series, per the config; undefined: none. */
export function resourceLabelFilter(config: Config): ((key: string) => boolean) | undefined {
  const rcl = config.resource_constant_labels;
  if (rcl) {
    const included = rcl.included.map(wildcard);
    const excluded = rcl.excluded.map(wildcard);
    if (included.length === 0 && excluded.length === 0) return undefined;
    return (key) => (included.length === 0 || included.some((r) => r.test(key))) && !excluded.some((r) => r.test(key));
  }
  const rtt = config.resource_to_telemetry_conversion;
  if (!rtt.enabled) return undefined;
  return rtt.exclude_service_attributes ? (key) => !SERVICE_ATTRIBUTES.has(key) : () => true;
}

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

/** Prometheus's Accept header: OpenMetrics when it is listed (Prometheus lists it first). */
const wantsOpenMetrics = (accept: string | undefined) =>
  accept !== undefined && /application\/openmetrics-text/i.test(accept);

export class PrometheusExporter {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly accumulator: Accumulator;
  private readonly translator: Translator;
  private readonly namer: MetricNamer;
  private readonly resourceLabels?: (key: string) => boolean;
  private readonly targetInfoName: string;
  private readonly warned = new Set<string>();
  /** the last page per format, good while the state's version is the same and nothing expired */
  private readonly pages = new Map<ExpositionFormat, CachedPage>();
  private server?: Server;
  private stopReload = () => {};

  constructor(settings: CreateSettings, config: Config) {
    this.settings = settings;
    this.config = config;
    const strategy = translationStrategy(config.add_metric_suffixes, config.translation_strategy);
    this.accumulator = new Accumulator(config.metric_expiration);
    this.translator = new Translator({
      strategy,
      namespace: config.namespace,
      externalLabels: configLabels(config.const_labels, strategy),
      targetInfo: true,
      exportCreatedMetric: false,
      // done here, with resource_constant_labels' patterns, before the translator sees the points
      resourceToTelemetry: false,
      excludeServiceAttributes: false,
      sendMetadata: true,
    });
    this.namer = new MetricNamer(strategy, config.namespace);
    this.resourceLabels = resourceLabelFilter(config);
    this.targetInfoName = config.namespace !== '' ? `${config.namespace}_target_info` : 'target_info';
  }

  push = async (batch: Batch): Promise<void> => {
    if (batch.signal !== 'metrics') throw permanent(`the prometheus exporter takes metrics, not ${batch.signal}`);
    for (const d of this.accumulator.accumulate(batch.data)) this.warn(d.reason, { dropped_points: d.points });
  };

  start = async (): Promise<void> => {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        this.settings.logger.error({ err: String(err) }, 'prometheus exporter: scrape failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${String(err)}\n`);
      });
    };
    const { server, stopReload } = createHttpOrHttpsServer(
      this.config.tls,
      this.settings.configDir,
      handler,
      this.settings.logger,
      this.config,
    );
    this.stopReload = stopReload;
    await listenOn(server, this.config, 'prometheus exporter');
    this.server = server;
  };

  shutdown = async (): Promise<void> => {
    this.stopReload();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  };

  /** The port listened on (tests listen on port 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** The page a scrape gets, in the format asked for. */
  page(format: ExpositionFormat, now = Date.now()): string {
    const { metrics, entries } = this.accumulator.collect(now);
    for (const rm of metrics.resourceMetrics) {
      const extra = this.resourceLabels ? rm.resource.attributes.filter((kv) => this.resourceLabels!(kv.key)) : [];
      for (const sm of rm.scopeMetrics) {
        const scope = this.config.without_scope_info ? [] : scopeLabels(sm.scope, sm.schemaUrl);
        const added = [...scope, ...extra];
        if (added.length === 0) continue;
        // resource attributes win over the point's own (contrib's resourcetotelemetry)
        const keys = new Set(added.map((kv) => kv.key));
        for (const m of sm.metrics) {
          const data = m.gauge ?? m.sum ?? m.histogram ?? m.summary;
          if (!data) continue;
          data.dataPoints = data.dataPoints.map((p) => ({
            ...p,
            attributes: [...added, ...p.attributes.filter((kv) => !keys.has(kv.key))],
          })) as typeof data.dataPoints;
        }
      }
    }
    const translation = this.translator.translate(metrics);
    for (const e of translation.errors) this.warn(e);
    const { families: list, conflicts } = families(translation, this.targetInfoName);
    for (const name of conflicts) this.warn(`instrument type conflict for ${name}: the first type is served`);
    const untyped = this.untypedNames(entries);
    if (untyped.size > 0) for (const f of list) if (untyped.has(f.name) && f.type === 'gauge') f.type = 'unknown';
    return writeExposition(list, format, this.config.send_timestamps);
  }

  /**
   * Scrapes between two batches (several Prometheus servers, or a scrape interval shorter than
   * the data's) get the page already written; send_timestamps pages carry the points' own
   * timestamps, so they can be reused as well.
   */
  private cachedPage(format: ExpositionFormat): CachedPage {
    const now = Date.now();
    const cached = this.pages.get(format);
    const acc = this.accumulator;
    if (cached && cached.version === acc.version && now < acc.nextExpiry) return cached;
    const body = Buffer.from(this.page(format, now));
    const page: CachedPage = { version: acc.version, body };
    this.pages.set(format, page);
    return page;
  }

  /** Gauges that came from untyped Prometheus metrics (metadata prometheus.type=unknown) are served untyped. */
  private untypedNames(entries: Entry[]): Set<string> {
    const names = new Set<string>();
    for (const e of entries) {
      if (e.kind !== 'gauge') continue;
      const type = e.metric.metadata.find((kv) => kv.key === 'prometheus.type');
      if (type && 'stringValue' in type.value && type.value.stringValue === 'unknown') {
        const name = this.namer.build(e.metric.name, e.metric.unit, 'gauge');
        if (typeof name === 'string') names.add(name);
      }
    }
    return names;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const format: ExpositionFormat =
      this.config.enable_open_metrics && wantsOpenMetrics(req.headers.accept) ? 'openmetrics' : 'text';
    const page = this.cachedPage(format);
    let body = page.body;
    const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format] };
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = page.gzipped ??= await gzip(body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private warn(reason: string, fields: Record<string, unknown> = {}): void {
    if (this.warned.has(reason)) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(reason);
    this.settings.logger.warn(fields, `prometheus exporter: ${reason}`);
  }
}

/** The instrumentation scope as labels on each of its series (contrib, unless without_scope_info). */
function scopeLabels(scope: { name: string; version: string; attributes: KeyValue[] }, schemaUrl: string): KeyValue[] {
  const out: KeyValue[] = [];
  if (scope.name !== '') out.push(str('otel_scope_name', scope.name));
  if (scope.version !== '') out.push(str('otel_scope_version', scope.version));
  if (schemaUrl !== '') out.push(str('otel_scope_schema_url', schemaUrl));
  for (const kv of scope.attributes) out.push({ key: `otel_scope_${kv.key}`, value: kv.value });
  return out;
}
