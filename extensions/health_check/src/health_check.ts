import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreateSettings, Extension, Host } from '@flowtel/core';
import { serveExtensionHttp } from '@flowtel/core';
import type { HealthCheckConfig } from './config.ts';
import { GO_ZERO_TIME, goDuration, goTime } from './go-format.ts';

type Logger = CreateSettings['logger'];

/**
 * otelcol's health_check extension. It starts "not available" and the host flips it with
 * `ready()` once every pipeline is running and `notReady()` when shutdown begins: the
 * StatusWatcher / PipelineWatcher notifications of otelcol.
 */
export class HealthCheckExtension implements Extension {
  [key: string]: unknown;
  private readonly config: HealthCheckConfig;
  private readonly logger: Logger;
  private readonly configDir: string;
  private server?: Server;
  private stopReload = () => {};
  /** when the collector last became ready, as wall clock and monotonic time */
  private upSince?: { date: Date; hr: bigint };

  constructor(settings: CreateSettings, config: HealthCheckConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.configDir = settings.configDir;
  }

  async start(_host?: Host): Promise<void> {
    if (this.server) return;
    if (this.config.check_collector_pipeline.enabled) {
      this.logger.warn('check_collector_pipeline is not supported by flowtel and is ignored');
    }
    this.logger.info({ endpoint: this.config.endpoint, path: this.config.path }, 'Starting health_check extension');
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const { server, stopReload } = await serveExtensionHttp(
      this.config,
      this.configDir,
      handler,
      this.logger,
      'health_check',
    );
    this.stopReload = stopReload;
    this.server = server;
  }

  /** The port actually bound: useful when the endpoint asked for port 0. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** The collector's pipelines are running: answer 200 from now on. */
  ready(): void {
    if (this.upSince) return;
    this.upSince = { date: new Date(), hr: process.hrtime.bigint() };
    this.logger.info({ status: 'ready' }, 'Health Check state change');
  }

  /** The collector is starting or shutting down: answer 503 from now on. */
  notReady(): void {
    if (!this.upSince) return;
    this.upSince = undefined;
    this.logger.info({ status: 'unavailable' }, 'Health Check state change');
  }

  get isReady(): boolean {
    return this.upSince !== undefined;
  }

  async shutdown(): Promise<void> {
    this.notReady();
    this.stopReload();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.matches(req.url ?? '/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const status = this.upSince ? 200 : 503;
    const custom = this.config.response_body;
    if (custom) {
      res.writeHead(status);
      res.end(this.upSince ? custom.healthy : custom.unhealthy);
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(this.statusDocument()));
  }

  private statusDocument(): { status: string; upSince: string; uptime: string } {
    if (!this.upSince) return { status: 'Server not available', upSince: GO_ZERO_TIME, uptime: '' };
    return {
      status: 'Server available',
      upSince: goTime(this.upSince.date),
      uptime: goDuration(process.hrtime.bigint() - this.upSince.hr),
    };
  }

  /** Go's ServeMux rule: a path ending in / matches its subtree, any other only itself. */
  private matches(url: string): boolean {
    const path = url.split('?')[0];
    const want = this.config.path;
    return want.endsWith('/') ? path.startsWith(want) : path === want;
  }
}
