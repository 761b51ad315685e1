// One target: its scrape loop (spread over the interval by the target's hash, as Prometheus
// spreads them), the HTTP request, the page parsed, the samples labelled and relabelled, the
// limits, staleness markers for series that left, Prometheus's report series (up,
// scrape_duration_seconds, ...), and the OTLP batch handed to the pipeline.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import { createGunzip } from 'node:zlib';
import type { Consumer } from '@flowtel/core';
import type { Exemplar, KeyValue } from '@flowtel/pdata';
import { type Exposition, formatOf, parseExposition, parseSeries } from '@flowtel/prometheus';
import type { Logger } from 'pino';
import type { Regexp } from '@flowtel/regexp';
import type { ScrapeConfig } from './config.ts';
import { type Labels, relabel } from './relabel.ts';
import { convertExemplar, metricsOf, type SeriesInfo, TargetTranslator, targetResource } from './translate.ts';

/** What Prometheus 2.x asks for: OpenMetrics first, then the text format. */
const ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export interface Target {
  /** the labels every sample gets (job, instance, and the rest after relabeling), sorted by name */
  labels: Array<[string, string]>;
  url: URL;
  interval: number;
  timeout: number;
  scheme: string;
}

export interface ScrapeOptions {
  config: ScrapeConfig;
  consumer: Consumer;
  logger: Logger;
  externalLabels: Array<[string, string]>;
  startTimeMetric?: Regexp;
  reportExtra: boolean;
  /** the loops' first ticks wait for it: the collector's start complete (Host.allStarted) */
  begin: Promise<void>;
  /** called after each scrape with its outcome, for tests and the receiver's own accounting */
  onScrape?: (target: Target, up: boolean, error?: string) => void;
}

class ScrapeError extends Error {}

/** FNV-1a, 32 bits: the target's place in the interval. */
function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
const OFFSET_SEED = fnv32(hostname());

const DROPPED = Symbol('dropped');
type CacheEntry = SeriesInfo | typeof DROPPED;

export class TargetScraper {
  readonly target: Target;
  private readonly opts: ScrapeOptions;
  private readonly cfg: ScrapeConfig;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private abort?: AbortController;
  private stopped = false;
  private readonly agent: http.Agent;
  /** parsed series by their text on the page (Prometheus's scrape cache) */
  private cache = new Map<string, CacheEntry>();
  /** series of the last successful scrape, for staleness markers */
  private previous: SeriesInfo[] = [];
  private readonly translator = new TargetTranslator();
  /** up, scrape_duration_seconds...: the target's own series, classified once */
  private readonly reportSeries = new Map<string, SeriesInfo>();
  private readonly resource: KeyValue[];
  private readonly reportAttrs: KeyValue[];

  constructor(target: Target, opts: ScrapeOptions) {
    this.target = target;
    this.opts = opts;
    this.cfg = opts.config;
    const tls = this.cfg.tls_config;
    this.agent =
      target.url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 1,
            ca: tls?.ca ?? (tls?.ca_file ? readFileSync(tls.ca_file) : undefined),
            cert: tls?.cert ?? (tls?.cert_file ? readFileSync(tls.cert_file) : undefined),
            key: tls?.key ?? (tls?.key_file ? readFileSync(tls.key_file) : undefined),
            servername: tls?.server_name,
            rejectUnauthorized: !(tls?.insecure_skip_verify ?? false),
            minVersion: tlsVersion(tls?.min_version) ?? 'TLSv1.2',
            maxVersion: tlsVersion(tls?.max_version),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (n: string) => target.labels.find(([k]) => k === n)?.[1] ?? '';
    this.resource = targetResource(get('job'), get('instance'), target.scheme);
    this.reportAttrs = target.labels
      .filter(([k]) => k !== 'job' && k !== 'instance')
      .map(([k, v]) => ({ key: k, value: { stringValue: v } }));
  }

  /** Starts the loop: the first scrape at the target's offset in the interval. */
  start(): void {
    if (this.stopped) return;
    const interval = this.target.interval;
    const key = this.target.labels.map(([k, v]) => `${k}=${v}`).join(',') + this.target.url.href;
    const offset = (fnv32(key) ^ OFFSET_SEED) % interval;
    const now = Date.now();
    let first = now - (now % interval) + offset;
    if (first < now) first += interval;
    const tick = (at: number) => {
      this.timer = setTimeout(() => {
        if (this.stopped) return;
        // a scrape still running (a slow pipeline) skips this tick rather than pile up
        if (!this.running) {
          this.running = this.scrapeOnce().finally(() => (this.running = undefined));
        }
        let next = at + interval;
        const t = Date.now();
        if (next <= t) next += Math.ceil((t - next + 1) / interval) * interval;
        tick(next);
      }, at - Date.now());
    };
    tick(first);
  }

  /** Stops the loop; with `stale`, sends staleness markers for every series it last saw (target gone). */
  async stop(stale: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    await this.running;
    if (stale && this.previous.length > 0) {
      this.translator.begin(new Map());
      const now = Date.now();
      for (const s of this.previous) this.translator.add(s, NaN, now, true);
      this.previous = [];
      await this.send(undefined);
    }
    this.agent.destroy();
  }

  /** One scrape, start to end; never throws. */
  async scrapeOnce(): Promise<void> {
    const startMs = Date.now();
    const started = performance.now();
    let up = true;
    let error: string | undefined;
    let scraped = 0;
    let postRelabel = 0;
    let added = 0;
    let bodyBytes = 0;
    let startOverride: bigint | undefined;
    const t = this.translator;
    try {
      const { body, contentType } = await this.fetchPage();
      bodyBytes = body.length;
      const page = parseExposition(body, formatOf(contentType));
      scraped = page.series.length;
      t.begin(page.metadata);
      const r = this.addPage(page, startMs);
      postRelabel = r.kept;
      added = r.added;
      startOverride = r.startOverride;
    } catch (err) {
      up = false;
      error = err instanceof Error ? err.message : String(err);
      // every series of the last scrape goes stale, as Prometheus marks them on a failed scrape
      t.begin(new Map());
      for (const s of this.previous) t.add(s, NaN, startMs, true);
      this.previous = [];
      this.opts.logger.warn(
        { target: this.target.url.href, job: this.cfg.job_name, err: error },
        'Failed to scrape Prometheus endpoint',
      );
    }
    const duration = (performance.now() - started) / 1000;
    this.addReport(startMs, { up, duration, scraped, postRelabel, added, bodyBytes });
    await this.send(startOverride);
    this.opts.onScrape?.(this.target, up, error);
  }

  private async send(startOverride: bigint | undefined): Promise<void> {
    let metrics;
    try {
      metrics = this.translator.build(startOverride);
    } catch (err) {
      // a bug, not the target's fault: logged, and the loop goes on
      this.opts.logger.error(
        { target: this.target.url.href, err: (err as Error).stack },
        'translating a scrape failed',
      );
      return;
    }
    if (metrics.length === 0) return;
    const data = metricsOf(this.resource.slice(), metrics, '');
    let items = 0;
    for (const m of metrics) items += (m.gauge ?? m.sum ?? m.histogram ?? m.summary)!.dataPoints.length;
    try {
      await this.opts.consumer.consume({ signal: 'metrics', data, items, transport: 'http' });
    } catch (err) {
      this.opts.logger.warn(
        { target: this.target.url.href, err: (err as Error).message, data_points: items },
        'the pipeline refused a scrape',
      );
    }
  }

  /** The samples of a page into the translator; throws ScrapeError when a limit is exceeded. */
  private addPage(page: Exposition, scrapeMs: number): { kept: number; added: number; startOverride?: bigint } {
    const cfg = this.cfg;
    const t = this.translator;
    const epoch = t.epoch;
    const current: SeriesInfo[] = [];
    const { series, values, timestamps, exemplars } = page;
    let kept = 0;
    let added = 0;
    let startOverride: bigint | undefined;
    let targetInfo: SeriesInfo | undefined;
    for (let i = 0; i < series.length; i++) {
      const text = series[i];
      let entry = this.cache.get(text);
      if (entry === undefined) {
        entry = this.seriesInfo(text);
        this.cache.set(text, entry);
      }
      if (entry === DROPPED) continue;
      kept++;
      if (cfg.sample_limit > 0 && kept > cfg.sample_limit) {
        throw new ScrapeError(`sample limit exceeded (sample_limit ${cfg.sample_limit})`);
      }
      if (entry.seenIn !== epoch) {
        if (entry.seenIn !== epoch - 1) added++;
        entry.seenIn = epoch;
        current.push(entry);
      }
      if (entry.name === 'target_info') {
        targetInfo = entry;
        continue;
      }
      if (this.opts.startTimeMetric && this.opts.startTimeMetric.test(entry.name)) {
        startOverride = BigInt(Math.round(values[i] * 1000)) * 1_000_000n;
      }
      const ts = cfg.honor_timestamps && !Number.isNaN(timestamps[i]) ? timestamps[i] : scrapeMs;
      let exemplar: Exemplar | undefined;
      if (exemplars.size > 0) {
        const e = exemplars.get(i);
        if (e) exemplar = convertExemplar(e, scrapeMs);
      }
      t.add(entry, values[i], ts, false, exemplar);
    }
    for (const s of this.previous) {
      if (s.seenIn !== epoch && s.name !== 'target_info') t.add(s, NaN, scrapeMs, true);
    }
    this.previous = current;
    // a page's series come and go: a cache that outgrows the page twice over starts again
    if (this.cache.size > 2 * series.length + 1000) this.cache = new Map();
    if (this.opts.startTimeMetric && startOverride === undefined) {
      throw new ScrapeError('start time metric not found (use_start_time_metric)');
    }
    if (targetInfo) this.setTargetInfo(targetInfo);
    return { kept, added, startOverride };
  }

  private setTargetInfo(s: SeriesInfo): void {
    for (let i = 0; i < s.labels.length; i += 2) {
      const k = s.labels[i];
      if (k === 'job' || k === 'instance') continue;
      const v = { stringValue: s.labels[i + 1] };
      const existing = this.resource.find((a) => a.key === k);
      if (existing) existing.value = v;
      else this.resource.push({ key: k, value: v });
    }
  }

  /** A series seen for the first time: its labels, the target's, relabeling and limits. */
  private seriesInfo(text: string): CacheEntry {
    const cfg = this.cfg;
    const parsed = parseSeries(text);
    const labels: Labels = new Map();
    labels.set('__name__', parsed.name);
    for (let i = 0; i < parsed.labels.length; i += 2) {
      if (parsed.labels[i + 1] !== '') labels.set(parsed.labels[i], parsed.labels[i + 1]);
    }
    // Prometheus's mutateSampleLabels: the target's labels win unless honor_labels
    for (const [k, v] of this.target.labels) {
      const scraped = labels.get(k);
      if (cfg.honor_labels) {
        if (scraped === undefined) labels.set(k, v);
        continue;
      }
      if (scraped !== undefined) {
        let name = 'exported_' + k;
        while (labels.has(name)) name = 'exported_' + name;
        labels.set(name, scraped);
      }
      labels.set(k, v);
    }
    if (cfg.metric_relabel_configs.length > 0 && !relabel(labels, cfg.metric_relabel_configs)) return DROPPED;
    for (const [k, v] of this.opts.externalLabels) if (!labels.has(k)) labels.set(k, v);
    const name = labels.get('__name__');
    if (name === undefined) return DROPPED;
    if (cfg.label_limit > 0 && labels.size > cfg.label_limit) {
      throw new ScrapeError(
        `label_limit exceeded (metric: ${name}, number of labels: ${labels.size}, limit: ${cfg.label_limit})`,
      );
    }
    const flat: string[] = [];
    for (const k of [...labels.keys()].sort()) {
      if (k === '__name__') continue;
      const v = labels.get(k)!;
      if (cfg.label_name_length_limit > 0 && k.length > cfg.label_name_length_limit) {
        throw new ScrapeError(
          `label_name_length_limit exceeded (metric: ${name}, label name: ${k}, limit: ${cfg.label_name_length_limit})`,
        );
      }
      if (cfg.label_value_length_limit > 0 && v.length > cfg.label_value_length_limit) {
        throw new ScrapeError(
          `label_value_length_limit exceeded (metric: ${name}, label name: ${k}, limit: ${cfg.label_value_length_limit})`,
        );
      }
      flat.push(k, v);
    }
    return { name, labels: flat };
  }

  /** Prometheus's report series, as samples of the target with its labels. */
  private addReport(
    ms: number,
    r: { up: boolean; duration: number; scraped: number; postRelabel: number; added: number; bodyBytes: number },
  ): void {
    const add = (name: string, value: number) => {
      let s = this.reportSeries.get(name);
      if (s === undefined) {
        const labels: string[] = [];
        for (const [k, v] of this.target.labels) labels.push(k, v);
        s = {
          name,
          labels,
          classifiedFor: 'none',
          metaKey: '',
          family: name,
          kind: 'gauge',
          monotonic: false,
          part: 'value',
          attrs: this.reportAttrs,
          pointKey: name,
        };
        this.reportSeries.set(name, s);
      }
      this.translator.add(s, value, ms, false);
    };
    add('up', r.up ? 1 : 0);
    add('scrape_duration_seconds', r.duration);
    add('scrape_samples_scraped', r.scraped);
    add('scrape_samples_post_metric_relabeling', r.postRelabel);
    add('scrape_series_added', r.added);
    if (this.opts.reportExtra) {
      add('scrape_timeout_seconds', this.target.timeout / 1000);
      add('scrape_sample_limit', this.cfg.sample_limit);
      add('scrape_body_size_bytes', r.up ? r.bodyBytes : -1);
    }
  }

  private authorization(): string | undefined {
    const cfg = this.cfg;
    const file = (path: string) => readFileSync(path, 'utf8').trim();
    if (cfg.basic_auth) {
      const user = cfg.basic_auth.username_file ? file(cfg.basic_auth.username_file) : cfg.basic_auth.username;
      const password = cfg.basic_auth.password_file
        ? file(cfg.basic_auth.password_file)
        : (cfg.basic_auth.password ?? '');
      return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    }
    if (cfg.authorization) {
      const credentials = cfg.authorization.credentials_file
        ? file(cfg.authorization.credentials_file)
        : (cfg.authorization.credentials ?? '');
      return `${cfg.authorization.type} ${credentials}`;
    }
    if (cfg.bearer_token !== undefined) return `Bearer ${cfg.bearer_token}`;
    if (cfg.bearer_token_file !== undefined) return `Bearer ${file(cfg.bearer_token_file)}`;
    return undefined;
  }

  private async fetchPage(): Promise<{ body: string; contentType?: string }> {
    const abort = new AbortController();
    this.abort = abort;
    const timer = setTimeout(
      () => abort.abort(new ScrapeError(`context deadline exceeded (scrape_timeout ${this.target.timeout / 1000}s)`)),
      this.target.timeout,
    );
    try {
      let url = this.target.url;
      for (let redirects = 0; ; redirects++) {
        const res = await this.request(url, abort.signal);
        const location = res.headers.location;
        if (
          res.statusCode! >= 300 &&
          res.statusCode! < 400 &&
          location &&
          this.cfg.follow_redirects &&
          redirects < 10
        ) {
          res.resume();
          url = new URL(location, url);
          continue;
        }
        if (res.statusCode !== 200) {
          res.resume();
          throw new ScrapeError(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
        }
        const body = await this.readBody(res, abort.signal);
        return { body, contentType: res.headers['content-type'] };
      }
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error) throw abort.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private request(url: URL, signal: AbortSignal): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = {
      Accept: ACCEPT,
      'User-Agent': 'flowtel',
      'X-Prometheus-Scrape-Timeout-Seconds': String(this.target.timeout / 1000),
    };
    if (this.cfg.enable_compression) headers['Accept-Encoding'] = 'gzip';
    const auth = this.authorization();
    if (auth) headers.Authorization = auth;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { agent: this.agent, headers, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
  }

  private readBody(res: http.IncomingMessage, signal: AbortSignal): Promise<string> {
    const limit = this.cfg.body_size_limit;
    const gzip = /gzip/i.test(res.headers['content-encoding'] ?? '');
    const stream = gzip ? res.pipe(createGunzip()) : res;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (err: Error) => {
        res.destroy();
        stream.destroy();
        reject(err);
      };
      signal.addEventListener('abort', () => fail(signal.reason as Error), { once: true });
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (limit > 0 && size > limit) {
          fail(new ScrapeError(`body size limit exceeded (body_size_limit ${limit} bytes)`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
      stream.on('error', fail);
      res.on('error', fail);
    });
  }
}

function tlsVersion(v: string | undefined): 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined {
  switch (v) {
    case 'TLS10':
      return 'TLSv1';
    case 'TLS11':
      return 'TLSv1.1';
    case 'TLS12':
      return 'TLSv1.2';
    case 'TLS13':
      return 'TLSv1.3';
  }
  return undefined;
}
