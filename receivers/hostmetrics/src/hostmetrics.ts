// The receiver: after initial_delay, and then every collection_interval, every configured
// scraper reads the host and their metrics go down the pipeline as one batch (contrib's
// scraper controller). A scrape still running when the next is due makes that one skip; what
// a scraper could not read is logged (one line per scrape) and the rest is still sent.
import type { Consumer, CreateSettings, Receiver, Consumers } from '@flowtel/core';
import type { Metrics } from '@flowtel/pdata';
import { dataPointCount } from '@flowtel/pdata';
import type { Config } from './config.ts';
import { HostFs, secondsToNs } from './hostfs.ts';
import { processScraper } from './scrapers/process.ts';
import type { Scraper, ScrapeResult } from './scrapers/scraper.ts';
import { diskScraper, filesystemScraper, networkScraper } from './scrapers/devices.ts';
import {
  cpuScraper,
  loadScraper,
  memoryScraper,
  pagingScraper,
  processesScraper,
  systemScraper,
} from './scrapers/system.ts';

const SCOPE_PREFIX =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/';
const MAX_LOGGED_ERRORS = 5;

export function createScrapers(scrapers: Config['scrapers']): Scraper[] {
  const out: Scraper[] = [];
  if (scrapers.cpu) out.push(cpuScraper(scrapers.cpu));
  if (scrapers.disk) out.push(diskScraper(scrapers.disk));
  if (scrapers.filesystem) out.push(filesystemScraper(scrapers.filesystem));
  if (scrapers.load) out.push(loadScraper(scrapers.load));
  if (scrapers.memory) out.push(memoryScraper(scrapers.memory));
  if (scrapers.network) out.push(networkScraper(scrapers.network));
  if (scrapers.paging) out.push(pagingScraper(scrapers.paging));
  if (scrapers.processes) out.push(processesScraper(scrapers.processes));
  if (scrapers.process) out.push(processScraper(scrapers.process));
  if (scrapers.system) out.push(systemScraper(scrapers.system));
  return out;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  if (ms <= 0) return p;
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
};

export class HostMetricsReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: Config;
  private readonly consumer?: Consumer;
  readonly fs: HostFs;
  private readonly scrapers: Scraper[];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(settings: CreateSettings, config: Config, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.consumer = consumers.metrics;
    this.fs = new HostFs(config.root_path);
    this.scrapers = createScrapers(config.scrapers);
  }

  async start(): Promise<void> {
    // fail at start, not at the first scrape, when root_path has no /proc
    await this.fs.bootTime();
    const tick = () => {
      if (this.stopped) return;
      if (!this.running) this.running = this.scrapeAndSend().finally(() => (this.running = undefined));
      this.timer = setTimeout(tick, this.config.collection_interval);
    };
    this.timer = setTimeout(tick, this.config.initial_delay);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One scrape of every scraper, as one Metrics. */
  async scrape(): Promise<{ metrics: Metrics; errors: string[] }> {
    const now = BigInt(Date.now()) * 1_000_000n;
    const boot = secondsToNs(await this.fs.bootTime());
    const metrics: Metrics = { resourceMetrics: [] };
    const errors: string[] = [];
    const results = await Promise.allSettled(
      this.scrapers.map((s) => withTimeout(s.scrape({ fs: this.fs, now, boot }), this.config.timeout, s.name)),
    );
    results.forEach((r, i) => {
      const scraper = this.scrapers[i];
      if (r.status === 'rejected') {
        errors.push(`${scraper.name}: ${(r.reason as Error).message ?? String(r.reason)}`);
        return;
      }
      const result: ScrapeResult = r.value;
      for (const e of result.errors) errors.push(`${scraper.name}: ${e}`);
      for (const { resource, metrics: list } of result.resources) {
        metrics.resourceMetrics.push({
          resource: { attributes: resource, droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: 'https://opentelemetry.io/schemas/1.9.0',
          scopeMetrics: [
            {
              scope: {
                name: `${SCOPE_PREFIX}${scraper.name}scraper`,
                version: '',
                attributes: [],
                droppedAttributesCount: 0,
              },
              metrics: list,
              schemaUrl: '',
            },
          ],
        });
      }
    });
    return { metrics, errors };
  }

  private async scrapeAndSend(): Promise<void> {
    const { metrics, errors } = await this.scrape();
    if (errors.length > 0)
      this.settings.logger.warn(
        { errors: errors.slice(0, MAX_LOGGED_ERRORS), total: errors.length },
        'hostmetrics: some readings failed; the rest of the scrape is sent',
      );
    const items = dataPointCount(metrics);
    if (items === 0 || !this.consumer) return;
    try {
      await this.consumer.consume({ signal: 'metrics', data: metrics, items });
    } catch (err) {
      // refused: counted by the pipeline; the next scrape is a fresh reading anyway
      this.settings.logger.warn({ err: String(err), items }, 'hostmetrics: the pipeline refused a scrape');
    }
  }
}
