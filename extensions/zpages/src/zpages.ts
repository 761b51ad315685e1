import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closeServer,
  serveExtensionHttp,
  type CollectorDescription,
  type CreateSettings,
  type Extension,
  type Host,
} from '@flowtel/core';
import type { ZpagesConfig } from './config.ts';

const PAGES = ['servicez', 'pipelinez', 'extensionz', 'featurez'] as const;

/**
 * otelcol's zpages extension: the service's pages under /debug/ (servicez, pipelinez,
 * extensionz, featurez), from what the host describes of the running collector. tracez is
 * otelcol's view of the collector's own spans; flowtel creates none, and the page says so.
 */
export class ZpagesExtension implements Extension {
  [key: string]: unknown;
  private readonly config: ZpagesConfig;
  private readonly logger: CreateSettings['logger'];
  private readonly configDir: string;
  private server?: Server;
  private stopReload = () => {};
  private host?: Host;

  constructor(settings: CreateSettings, config: ZpagesConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.configDir = settings.configDir;
  }

  async start(host: Host): Promise<void> {
    if (this.server) return;
    this.host = host;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const { server, stopReload } = await serveExtensionHttp(
      this.config,
      this.configDir,
      handler,
      this.logger,
      'zpages',
    );
    this.stopReload = stopReload;
    this.server = server;
    this.logger.info({ endpoint: this.config.endpoint }, 'Starting zPages extension');
  }

  /** the port bound: useful when the endpoint asked for port 0 */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async shutdown(): Promise<void> {
    this.stopReload();
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server, 0);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://zpages').pathname.replace(/\/$/, '');
    const about = this.host?.describe?.();
    if (path === '/debug/tracez') {
      return send(
        res,
        404,
        'text/plain',
        "tracez shows the collector's own spans; flowtel creates none, so there is nothing to show.\n",
      );
    }
    if (path === '/debug/expvarz' && this.config.expvar.enabled) {
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(expvars(), null, 2) + '\n');
    }
    const page = PAGES.find((p) => path === `/debug/${p}`);
    if (!page) return send(res, 404, 'text/plain', '404 page not found\n');
    if (!about)
      return send(res, 503, 'text/plain', 'the host running this extension does not describe the collector\n');
    const body = { servicez, pipelinez, extensionz, featurez }[page](about);
    send(res, 200, 'text/html; charset=utf-8', html(page, body));
  }
}

function servicez(a: CollectorDescription): string {
  const uptime = Math.round((Date.now() - a.startTime.getTime()) / 1000);
  return [
    `<h2>Build Info</h2>`,
    properties([
      ['Command', a.build.command],
      ['Description', a.build.description],
      ['Version', a.build.version],
    ]),
    `<h2>Runtime Info</h2>`,
    properties([
      ['StartTimestamp', a.startTime.toISOString()],
      ['Uptime', `${uptime}s`],
      ['Node.js', process.version],
      ['OS', process.platform],
      ['Arch', process.arch],
      ['PID', String(process.pid)],
    ]),
    `<ul>${PAGES.filter((p) => p !== 'servicez')
      .map((p) => `<li><a href="${p}">${p}</a></li>`)
      .join('')}</ul>`,
  ].join('\n');
}

function pipelinez(a: CollectorDescription): string {
  return table(
    ['FullName', 'InputType', 'MutatesData', 'Receivers', 'Processors', 'Exporters'],
    a.pipelines.map((p) => [
      p.id,
      p.id.split('/')[0],
      String(p.mutatesData),
      p.receivers.join(', '),
      p.processors.join(', '),
      p.exporters.join(', '),
    ]),
  );
}

function extensionz(a: CollectorDescription): string {
  return table(
    ['FullName'],
    a.extensions.map((e) => [e]),
  );
}

function featurez(a: CollectorDescription): string {
  return table(
    ['ID', 'Enabled', 'Stage', 'Description'],
    a.featureGates.map((g) => [g.id, String(g.enabled), g.stage, g.description]),
  );
}

/** Go's expvar page has cmdline and memstats; these are the Node process's counterparts. */
function expvars(): Record<string, unknown> {
  return { cmdline: process.argv, memstats: process.memoryUsage(), resourceUsage: process.resourceUsage() };
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const properties = (rows: Array<[string, string]>) => table(['Property', 'Value'], rows);

function table(header: string[], rows: string[][]): string {
  const tr = (cells: string[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('')}</tr>`;
  return `<table>\n${tr(header, 'th')}\n${rows.map((r) => tr(r, 'td')).join('\n')}\n</table>`;
}

const html = (title: string, body: string) =>
  `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body>\n<h1>${title}</h1>\n${body}\n</body></html>\n`;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}
