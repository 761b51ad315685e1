// The receiver: a scrape pool per scrape config, each keeping one TargetScraper per target its
// discovery yields. Targets run on their own timers and HTTP agents, so a slow or dead one
// delays nobody else; a target that leaves discovery gets staleness markers for its series.
import type { Consumer, CreateSettings, Host, Receiver } from '@flowtel/core';
import type { Logger } from 'pino';
import { compileRegexp } from '@flowtel/regexp';
import type { PrometheusReceiverConfig, ScrapeConfig } from './config.ts';
import { buildTarget, FileDiscovery, type GroupsBySource, staticGroups } from './discovery.ts';
import { type ScrapeOptions, type Target, TargetScraper } from './scrape.ts';

const DEFAULT_START_TIME_METRIC = '^(.+_)*process_start_time_seconds$';

export class ScrapePool {
  private readonly cfg: ScrapeConfig;
  private readonly opts: ScrapeOptions;
  private readonly logger: Logger;
  private readonly files: FileDiscovery;
  private readonly sources: GroupsBySource;
  private readonly scrapers = new Map<string, TargetScraper>();
  private stopping = false;
  /** target syncs run one after another */
  private sync: Promise<void> = Promise.resolve();

  constructor(cfg: ScrapeConfig, opts: ScrapeOptions, configDir: string) {
    this.cfg = cfg;
    this.opts = opts;
    this.logger = opts.logger;
    this.sources = staticGroups(cfg);
    this.files = new FileDiscovery(cfg, configDir, opts.logger, (groups) => {
      for (const key of [...this.sources.keys()]) if (!key.startsWith('static/')) this.sources.delete(key);
      for (const [k, v] of groups) this.sources.set(k, v);
      this.schedule();
    });
  }

  async start(): Promise<void> {
    if (this.files.enabled) await this.files.start();
    this.schedule();
    await this.sync;
  }

  get targets(): Target[] {
    return [...this.scrapers.values()].map((s) => s.target);
  }

  private schedule(): void {
    this.sync = this.sync
      .then(() => this.syncTargets())
      .catch((err: Error) => this.logger.error({ job: this.cfg.job_name, err: err.message }, 'syncing targets failed'));
  }

  private async syncTargets(): Promise<void> {
    if (this.stopping) return;
    const wanted = new Map<string, Target>();
    for (const [source, groups] of this.sources) {
      for (const group of groups) {
        for (const address of group.targets) {
          try {
            const target = buildTarget(this.cfg, address, group.labels);
            if (target) wanted.set(target.url.href + '\n' + JSON.stringify(target.labels), target);
          } catch (err) {
            this.logger.error(
              { job: this.cfg.job_name, source, target: address, err: (err as Error).message },
              'creating target failed',
            );
          }
        }
      }
    }
    const gone: TargetScraper[] = [];
    for (const [key, scraper] of this.scrapers) {
      if (!wanted.has(key)) {
        this.scrapers.delete(key);
        gone.push(scraper);
      }
    }
    for (const [key, target] of wanted) {
      if (this.scrapers.has(key)) continue;
      let scraper: TargetScraper;
      try {
        // reads the TLS files: one that is missing fails this job's targets, not the collector
        scraper = new TargetScraper(target, this.opts);
      } catch (err) {
        this.logger.error(
          { job: this.cfg.job_name, target: target.url.href, err: (err as Error).message },
          'creating target failed',
        );
        continue;
      }
      this.scrapers.set(key, scraper);
      void this.opts.begin.then(() => scraper.start());
    }
    await Promise.all(gone.map((s) => s.stop(true)));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.files.stop();
    await this.sync;
    await Promise.all([...this.scrapers.values()].map((s) => s.stop(false)));
    this.scrapers.clear();
  }
}

export class PrometheusReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: PrometheusReceiverConfig;
  private readonly consumer?: Consumer;
  readonly pools: ScrapePool[] = [];
  private started = false;

  constructor(settings: CreateSettings, config: PrometheusReceiverConfig, consumers: { metrics?: Consumer }) {
    this.settings = settings;
    this.config = config;
    this.consumer = consumers.metrics;
  }

  async start(host: Host): Promise<void> {
    if (this.started || !this.consumer || !this.config.config) return;
    this.started = true;
    const prom = this.config.config;
    const startTimeMetric = this.config.use_start_time_metric
      ? compileRegexp(this.config.start_time_metric_regex || DEFAULT_START_TIME_METRIC)
      : undefined;
    const externalLabels = Object.entries(prom.global.external_labels).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const cfg of prom.scrape_configs) {
      const pool = new ScrapePool(
        cfg,
        {
          config: cfg,
          consumer: this.consumer,
          logger: this.settings.logger.child({ scrape_pool: cfg.job_name }),
          externalLabels,
          startTimeMetric,
          reportExtra: this.config.report_extra_scrape_metrics,
          begin: host.allStarted ?? Promise.resolve(),
        },
        this.settings.configDir,
      );
      this.pools.push(pool);
    }
    await Promise.all(this.pools.map((p) => p.start()));
  }

  async shutdown(): Promise<void> {
    const pools = this.pools.splice(0);
    await Promise.all(pools.map((p) => p.stop()));
  }
}
