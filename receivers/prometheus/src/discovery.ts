// Where targets come from: static_configs, and file_sd_configs (JSON or YAML files of target
// groups, globs in the last path component, read again every refresh_interval and when the
// directory changes). Then Prometheus's PopulateLabels: the scrape config's defaults as
// labels, relabel_configs, and the target's URL and labels from what is left.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { parsePromDuration, type ScrapeConfig } from './config.ts';
import { type Labels, relabel } from './relabel.ts';
import type { Target } from './scrape.ts';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Target groups by source (`static/0`, a file path): a source's groups replace its previous ones. */
export type GroupsBySource = Map<string, TargetGroup[]>;

export function staticGroups(cfg: ScrapeConfig): GroupsBySource {
  const out: GroupsBySource = new Map();
  cfg.static_configs.forEach((s, i) => out.set(`static/${i}`, [{ targets: s.targets, labels: s.labels }]));
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re +=
          '[' +
          glob
            .slice(i + 1, close)
            .replace(/^!/, '^')
            .replace(/\\/g, '\\\\') +
          ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Parses a file_sd file's content: a list of {targets, labels}. Throws with the reason. */
export function parseTargetGroups(path: string, content: string): TargetGroup[] {
  const data: unknown = /\.json$/i.test(path) ? JSON.parse(content) : parseYaml(content);
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new Error('expected a list of target groups');
  return data.map((g: unknown, i) => {
    if (typeof g !== 'object' || g === null) throw new Error(`target group ${i} is not an object`);
    const { targets = [], labels = {}, ...rest } = g as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new Error(`target group ${i}: unknown field ${extra[0]}`);
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) {
      throw new Error(`target group ${i}: targets must be a list of strings`);
    }
    if (typeof labels !== 'object' || labels === null || !Object.values(labels).every((v) => typeof v === 'string')) {
      throw new Error(`target group ${i}: labels must map names to strings`);
    }
    for (const name of Object.keys(labels)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
        throw new Error(`target group ${i}: "${name}" is not a valid label name`);
    }
    return { targets, labels: labels as Record<string, string> };
  });
}

/** file_sd_configs of one scrape config: calls `update` with every file's groups when they change. */
export class FileDiscovery {
  private readonly patterns: Array<{ dir: string; re: RegExp; refresh: number }>;
  private readonly update: (groups: GroupsBySource) => void;
  private readonly logger: Logger;
  private timers: NodeJS.Timeout[] = [];
  private watchers: FSWatcher[] = [];
  private debounce?: NodeJS.Timeout;
  private readonly known: GroupsBySource = new Map();
  private stopped = false;

  constructor(cfg: ScrapeConfig, configDir: string, logger: Logger, update: (groups: GroupsBySource) => void) {
    this.logger = logger;
    this.update = update;
    this.patterns = cfg.file_sd_configs.flatMap((f) =>
      f.files.map((file) => {
        const path = isAbsolute(file) ? file : join(configDir, file);
        return { dir: dirname(path), re: globToRegExp(basename(path)), refresh: f.refresh_interval };
      }),
    );
  }

  get enabled(): boolean {
    return this.patterns.length > 0;
  }

  async start(): Promise<void> {
    await this.refresh();
    for (const p of this.patterns) {
      this.timers.push(setInterval(() => void this.refresh(), Math.max(p.refresh, 1000)));
      try {
        // changes are picked up at once where the platform can watch the directory
        const w = watch(p.dir, () => {
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.refresh(), 100);
        });
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // the refresh interval alone then
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers) w.close();
    clearTimeout(this.debounce);
  }

  /** Reads every matching file; a file that cannot be read or parsed keeps its previous groups. */
  async refresh(): Promise<void> {
    const seen = new Set<string>();
    let changed = false;
    for (const p of this.patterns) {
      let names: string[];
      try {
        names = (await readdir(p.dir)).filter((n) => p.re.test(n)).sort();
      } catch (err) {
        this.logger.error({ dir: p.dir, err: (err as Error).message }, 'file_sd: cannot read the directory');
        continue;
      }
      for (const name of names) {
        const path = join(p.dir, name);
        seen.add(path);
        try {
          const groups = parseTargetGroups(path, await readFile(path, 'utf8'));
          const before = JSON.stringify(this.known.get(path));
          const labelled = groups.map((g) => ({ targets: g.targets, labels: { ...g.labels, __meta_filepath: path } }));
          if (JSON.stringify(labelled) !== before) {
            this.known.set(path, labelled);
            changed = true;
          }
        } catch (err) {
          this.logger.error(
            { file: path, err: (err as Error).message },
            'file_sd: cannot read target groups; keeping the previous ones',
          );
        }
      }
    }
    for (const path of [...this.known.keys()]) {
      if (!seen.has(path)) {
        this.known.delete(path);
        changed = true;
      }
    }
    if (changed && !this.stopped) this.update(new Map(this.known));
  }
}

/**
 * Prometheus's PopulateLabels: the target's labels and URL, or undefined when relabeling
 * dropped it. Throws with the reason for a target that cannot be scraped.
 */
export function buildTarget(
  cfg: ScrapeConfig,
  address: string,
  groupLabels: Record<string, string>,
): Target | undefined {
  const labels: Labels = new Map(Object.entries(groupLabels));
  labels.set('__address__', address);
  const defaults: Array<[string, string]> = [
    ['job', cfg.job_name],
    ['__scrape_interval__', promDuration(cfg.scrape_interval)],
    ['__scrape_timeout__', promDuration(cfg.scrape_timeout)],
    ['__metrics_path__', cfg.metrics_path],
    ['__scheme__', cfg.scheme],
  ];
  for (const [k, v] of defaults) if (!labels.has(k)) labels.set(k, v);
  for (const [k, v] of Object.entries(cfg.params)) {
    if (v.length > 0 && !labels.has(`__param_${k}`)) labels.set(`__param_${k}`, v[0]);
  }
  if (!relabel(labels, cfg.relabel_configs)) return undefined;
  const addr = labels.get('__address__');
  if (!addr) throw new Error('no address');
  if (/[/@?#]/.test(addr)) throw new Error(`invalid host:port "${addr}"`);
  const interval = parsePromDuration(labels.get('__scrape_interval__') ?? '');
  const timeout = parsePromDuration(labels.get('__scrape_timeout__') ?? '');
  if (interval === undefined || interval === 0)
    throw new Error(`invalid scrape interval "${labels.get('__scrape_interval__')}"`);
  if (timeout === undefined || timeout === 0)
    throw new Error(`invalid scrape timeout "${labels.get('__scrape_timeout__')}"`);
  if (timeout > interval)
    throw new Error(
      `scrape timeout cannot be greater than scrape interval ("${labels.get('__scrape_timeout__')}" > "${labels.get('__scrape_interval__')}")`,
    );
  const scheme = labels.get('__scheme__') ?? cfg.scheme;
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`invalid scheme "${scheme}"`);
  if (!labels.has('instance')) labels.set('instance', addr);
  const url = new URL(`${scheme}://${addr}${labels.get('__metrics_path__') ?? '/metrics'}`);
  const params = new URLSearchParams();
  for (const [k, values] of Object.entries(cfg.params)) for (const v of values) params.append(k, v);
  for (const [k, v] of labels) {
    if (!k.startsWith('__param_')) continue;
    const name = k.slice('__param_'.length);
    const all = params.getAll(name);
    params.delete(name);
    params.append(name, v);
    for (const rest of all.slice(1)) params.append(name, rest);
  }
  const query = params.toString();
  if (query) url.search = query;
  const final = [...labels]
    .filter(([k, v]) => !k.startsWith('__') && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { labels: final, url, interval, timeout, scheme };
}

/** Milliseconds as Prometheus prints a duration (1m, 15s, 1m30s, 500ms). */
function promDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400_000],
    ['w', 7 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let out = '';
  let rest = ms;
  for (const [u, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${u}`;
      rest %= size;
    }
  }
  return out;
}
