import type { KeyValue, Metric } from '@flowtel/pdata';
import type { HostFs } from '../hostfs.ts';
import type { ScraperName } from '../metadata.ts';

export interface ScrapeContext {
  fs: HostFs;
  /** the scrape's timestamp */
  now: bigint;
  /** the host's boot time: where its cumulative counters start */
  boot: bigint;
}

export interface ScrapeResult {
  /** one entry per resource: the host scrapers have one with no attributes, the process scraper one per process */
  resources: Array<{ resource: KeyValue[]; metrics: Metric[] }>;
  /** what could not be read (the rest of the scrape still counts) */
  errors: string[];
}

export interface Scraper {
  name: ScraperName;
  scrape(ctx: ScrapeContext): Promise<ScrapeResult>;
}

export const hostResult = (metrics: Metric[], errors: string[] = []): ScrapeResult => ({
  resources: metrics.length > 0 ? [{ resource: [], metrics }] : [],
  errors,
});
