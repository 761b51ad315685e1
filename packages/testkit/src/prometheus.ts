// A real Prometheus (Debian's package) for the tests: loopback only, a free port, its own
// data directory, the remote write receiver on, native histograms and exemplars stored, and
// the scrape jobs a test gives it (as a scraper of flowtel, or as the oracle beside it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { runCollector } from './collector.ts';
import { CONDITION_TIMEOUT_MS, freePort, waitFor } from './ports.ts';

export const prometheusBinary = (): string | undefined => {
  const r = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface QueryResult {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
  histogram?: [number, { count: string; sum: string; buckets?: Array<[number, string, string, string]> }];
}

export class Prometheus {
  readonly port: number;
  readonly dataDir: string;
  private readonly configFile: string;
  private child?: ChildProcess;
  private stderr = '';

  private constructor(port: number, dataDir: string, scrapeConfigs: string) {
    this.port = port;
    this.dataDir = dataDir;
    this.configFile = join(dataDir, 'prometheus.yml');
    // without scrape jobs, everything in the TSDB came through remote write
    writeFileSync(
      this.configFile,
      `global:\n  scrape_interval: 1h\n${scrapeConfigs ? `scrape_configs:\n${scrapeConfigs}` : ''}`,
    );
  }

  /**
   * `scrapeConfigs`: the YAML list under `scrape_configs:` (items indented by two spaces);
   * `port`: where it listens (a free one by default), for a config that scrapes Prometheus itself.
   */
  static async start(options: { scrapeConfigs?: string; port?: number } = {}): Promise<Prometheus> {
    const p = new Prometheus(
      options.port ?? (await freePort()),
      mkdtempSync(join(tmpdir(), 'flowtel-prometheus-')),
      options.scrapeConfigs ?? '',
    );
    await p.startProcess();
    return p;
  }

  /** A Prometheus scraping `target` (host:port) every second as the job `flowtel`. */
  static scraping(target: string): Promise<Prometheus> {
    return Prometheus.start({
      scrapeConfigs: `  - job_name: flowtel\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${target}']\n`,
    });
  }

  get writeUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  /** Starts (again) on the same port and data directory; resolves once it is ready. */
  async startProcess(): Promise<void> {
    this.stderr = '';
    const child = spawn(
      prometheusBinary() ?? 'prometheus',
      [
        `--config.file=${this.configFile}`,
        `--storage.tsdb.path=${join(this.dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=native-histograms,exemplar-storage',
        '--storage.tsdb.retention.time=1d',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-20_000);
    });
    this.child = child;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${this.stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/-/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`prometheus did not become ready: ${this.stderr}`);
  }

  /** Stops the process (SIGTERM, as a service manager would) and waits for it to exit. */
  async stopProcess(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async api<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
    const res = await fetch(`http://127.0.0.1:${this.port}${path}?${search}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} failed: ${body.error}`);
    return body.data;
  }

  /** An instant query at `time` (seconds); a range selector (`x[5m]`) gives raw samples in `values`. */
  async query(expr: string, time: number): Promise<QueryResult[]> {
    const data = await this.api<{ result: QueryResult[] }>('/api/v1/query', { query: expr, time: String(time) });
    return data.result;
  }

  /** Polls the instant query `expr` until it has a result (whose first value is `want`, when given). */
  waitForValue(expr: string, want?: number, timeoutMs = CONDITION_TIMEOUT_MS): Promise<QueryResult[]> {
    return waitFor(
      `${expr}${want === undefined ? '' : ` = ${want}`} in Prometheus`,
      async () => {
        const r = await this.query(expr, Date.now() / 1000);
        return r.length > 0 && (want === undefined || Number(r[0].value![1]) === want) && r;
      },
      timeoutMs,
      250,
    );
  }

  async series(match: string, start: number, end: number): Promise<Record<string, string>[]> {
    return this.api<Record<string, string>[]>('/api/v1/series', {
      'match[]': match,
      start: String(start),
      end: String(end),
    });
  }

  async exemplars(
    expr: string,
    start: number,
    end: number,
  ): Promise<
    Array<{
      seriesLabels: Record<string, string>;
      exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
    }>
  > {
    return this.api('/api/v1/query_exemplars', { query: expr, start: String(start), end: String(end) });
  }
}

/**
 * A collector whose connector `id` (`settings`: its YAML mapping, indented by two spaces) turns
 * the traces the otlp receiver takes over gRPC into metrics that the prometheus exporter serves,
 * and a Prometheus scraping them every second; both stopped when the test `t` ends. Resolves
 * once the receiver listens on `grpc`.
 */
export async function connectorScrapedByPrometheus(
  t: TestContext,
  id: string,
  settings: string,
): Promise<{ grpc: number; prometheus: Prometheus }> {
  const grpc = await freePort();
  const metricsPort = await freePort();
  const prometheus = await Prometheus.scraping(`127.0.0.1:${metricsPort}`);
  t.after(() => prometheus.stop());
  const config = `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
connectors:
  ${id}:
${settings.replace(/^\n+|\s+$/g, '')}
exporters:
  prometheus: {endpoint: "127.0.0.1:${metricsPort}"}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [${id}]}
    metrics: {receivers: [${id}], exporters: [prometheus]}
`;
  await runCollector(t, config, grpc);
  return { grpc, prometheus };
}
