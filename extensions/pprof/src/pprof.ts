import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Profile } from 'pprof-format';
import { listenOn, type CreateSettings, type Extension } from '@flowtel/core';
import type { PprofConfig } from './config.ts';
import { cpuProfileToPprof, heapProfileToPprof, type HeapProfile } from './profiles.ts';

const gzipAsync = promisify(gzip);

/** Go's CPU profiler ticks at 100 Hz; V8's interval is set to the same */
const CPU_INTERVAL_US = 10_000;
/** Go's runtime.MemProfileRate: one sample per 512 KiB allocated, on average */
const HEAP_INTERVAL_BYTES = 512 * 1024;

const PREFIX = '/debug/pprof/';
const PROFILES: Record<string, string> = {
  profile: 'CPU profile. You can specify the duration in the seconds GET parameter (default 30).',
  heap: 'A sampling of memory allocations of live objects.',
  cmdline: 'The command line invocation of the current program.',
};

/**
 * contrib's pprof extension for a Node process: Go's net/http/pprof paths, serving V8's CPU
 * profile (`profile?seconds=N`) and sampling heap profile (`heap`) as gzipped pprof. Go's other
 * profiles (goroutine, block, mutex, threadcreate, allocs, trace) have no Node counterpart and
 * answer 404 saying so.
 */
export class PprofExtension implements Extension {
  [key: string]: unknown;
  private readonly config: PprofConfig;
  private readonly logger: CreateSettings['logger'];
  private readonly configDir: string;
  private session?: Session;
  private server?: Server;
  /** set while a CPU profile runs: V8 has one profiler per isolate, as Go has one per process */
  private cpuBusy = false;

  constructor(settings: CreateSettings, config: PprofConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.configDir = settings.configDir;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const session = new Session();
    session.connect();
    this.session = session;
    await session.post('Profiler.enable');
    await session.post('HeapProfiler.enable');
    // the heap profile samples from start, as Go's runtime samples allocations from start
    await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_INTERVAL_BYTES });
    if (this.config.save_to_file) await this.startCpu();
    const server = createServer((req, res) => void this.handle(req, res));
    // otelcol's words for a failed bind
    await listenOn(server, this.config.endpoint, 'pprof').catch((err: Error) => {
      throw new Error(`failed to bind to address ${this.config.endpoint}: ${(err.cause as Error).message}`);
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'pprof server error'));
    this.server = server;
    this.logger.info({ endpoint: this.config.endpoint }, 'Starting net/http/pprof server');
  }

  /** the port bound: useful when the endpoint asked for port 0 */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    }
    const session = this.session;
    if (!session) return;
    if (this.config.save_to_file && this.cpuBusy) {
      const path = isAbsolute(this.config.save_to_file)
        ? this.config.save_to_file
        : resolve(this.configDir, this.config.save_to_file);
      try {
        await writeFile(path, await this.stopCpu());
        this.logger.info({ path }, 'CPU profile saved');
      } catch (err) {
        this.logger.error({ path, err: (err as Error).message }, 'could not save the CPU profile');
      }
    }
    this.session = undefined;
    session.disconnect();
  }

  private async startCpu(): Promise<void> {
    this.cpuBusy = true;
    await this.session!.post('Profiler.setSamplingInterval', { interval: CPU_INTERVAL_US });
    await this.session!.post('Profiler.start');
  }

  private async stopCpu(): Promise<Buffer> {
    try {
      const { profile } = await this.session!.post('Profiler.stop');
      return await encode(cpuProfileToPprof(profile, CPU_INTERVAL_US * 1000));
    } finally {
      this.cpuBusy = false;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://pprof');
    try {
      if (url.pathname === PREFIX) return this.index(res);
      if (!url.pathname.startsWith(PREFIX)) return text(res, 404, '404 page not found\n');
      const name = url.pathname.slice(PREFIX.length);
      if (name === 'profile') return await this.cpu(url, res);
      if (name === 'heap') {
        const { profile } = await this.session!.post('HeapProfiler.getSamplingProfile');
        const heap = heapProfileToPprof(profile as unknown as HeapProfile, HEAP_INTERVAL_BYTES);
        return profileAnswer(res, await encode(heap), 'heap');
      }
      if (name === 'cmdline') return text(res, 200, process.argv.join('\0'));
      text(
        res,
        404,
        `Unknown profile: ${name} (flowtel serves ${Object.keys(PROFILES).join(', ')}: Node has no goroutine, block, mutex, threadcreate, allocs or trace profile)\n`,
      );
    } catch (err) {
      this.logger.error({ path: url.pathname, err: (err as Error).message }, 'pprof request failed');
      if (!res.headersSent) text(res, 500, `${(err as Error).message}\n`);
      else res.destroy();
    }
  }

  /** Go's pprof.Profile handler: `seconds` (default 30), one profile at a time */
  private async cpu(url: URL, res: ServerResponse): Promise<void> {
    let seconds = Number.parseInt(url.searchParams.get('seconds') ?? '', 10);
    if (!(seconds > 0)) seconds = 30;
    if (this.cpuBusy) {
      return text(res, 500, 'Could not enable CPU profiling: cpu profiling already in use\n');
    }
    await this.startCpu();
    // a client that goes away ends the profile early, as Go's handler does
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    await sleep(seconds * 1000, undefined, { signal: gone.signal }).catch(() => {});
    const body = await this.stopCpu();
    if (!gone.signal.aborted) profileAnswer(res, body, 'profile');
  }

  private index(res: ServerResponse): void {
    const rows = Object.entries(PROFILES)
      .map(([name, doc]) => `<li><a href="${name}?debug=0">${name}</a>: ${doc}</li>`)
      .join('\n');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><head><title>/debug/pprof/</title></head><body>/debug/pprof/<ul>\n${rows}\n</ul></body></html>\n`);
  }
}

const encode = (p: Profile): Promise<Buffer> => gzipAsync(p.encode());

function profileAnswer(res: ServerResponse, body: Buffer, name: string): void {
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name}"`,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
