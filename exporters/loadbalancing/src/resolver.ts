// Where the backends come from: a fixed list (static) or a name resolved every `interval`
// (dns), as contrib's resolvers: the list is sorted, a change is announced only when it differs
// from the last one, and a failed resolution keeps the backends already known.
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { Counter, Meter } from '@opentelemetry/api';

export type OnChange = (endpoints: string[]) => Promise<void>;

export interface Resolver {
  start(onChange: OnChange): Promise<void>;
  shutdown(): Promise<void>;
}

/** contrib's otelcol_loadbalancer_* resolver metrics (num_resolutions, num_backends, num_backend_updates). */
export class ResolverTelemetry {
  private readonly resolutions: Counter;
  private readonly updates: Counter;
  private backends = 0;
  constructor(
    meter: Meter,
    private readonly resolver: string,
  ) {
    this.resolutions = meter.createCounter('otelcol_loadbalancer_num_resolutions', {
      description: 'Number of times the resolver has triggered new resolutions.',
      unit: '{resolutions}',
    });
    this.updates = meter.createCounter('otelcol_loadbalancer_num_backend_updates', {
      description: 'Number of times the list of backends was updated.',
      unit: '{updates}',
    });
    meter
      .createObservableGauge('otelcol_loadbalancer_num_backends', {
        description: 'Current number of backends in use.',
        unit: '{backends}',
      })
      .addCallback((r) => r.observe(this.backends, { resolver: this.resolver }));
  }
  resolved(success: boolean): void {
    this.resolutions.add(1, { resolver: this.resolver, success });
  }
  changed(backends: number): void {
    this.updates.add(1, { resolver: this.resolver });
    this.backends = backends;
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class StaticResolver implements Resolver {
  private readonly endpoints: string[];
  constructor(
    hostnames: string[],
    private readonly telemetry: ResolverTelemetry,
  ) {
    this.endpoints = [...hostnames].sort();
  }
  async start(onChange: OnChange): Promise<void> {
    this.telemetry.resolved(true);
    this.telemetry.changed(this.endpoints.length);
    await onChange(this.endpoints);
  }
  async shutdown(): Promise<void> {}
}

export interface DnsOptions {
  hostname: string;
  port: string;
  intervalMs: number;
  timeoutMs: number;
}

export class DnsResolver implements Resolver {
  private endpoints: string[] = [];
  private timer?: NodeJS.Timeout;
  private onChange?: OnChange;
  private running?: Promise<void>;
  private stopped = false;
  constructor(
    private readonly opts: DnsOptions,
    private readonly telemetry: ResolverTelemetry,
    private readonly logger: Logger,
  ) {}

  async start(onChange: OnChange): Promise<void> {
    this.onChange = onChange;
    // a failed first resolution is logged, not fatal: the backends come with a later one
    await this.resolveOnce();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.resolveOnce().finally(() => this.schedule());
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** Resolves now; exported for the tests, which cannot wait for an interval. */
  async resolveOnce(): Promise<void> {
    let addresses: string[];
    try {
      addresses = await this.lookup();
      this.telemetry.resolved(true);
    } catch (err) {
      this.telemetry.resolved(false);
      this.logger.warn({ err: (err as Error).message, hostname: this.opts.hostname }, 'failed to resolve');
      return;
    }
    const port = this.opts.port;
    const endpoints = addresses
      .map((a) => (a.includes(':') ? `[${a}]` : a))
      .map((a) => (port ? `${a}:${port}` : a))
      .sort();
    if (sameList(endpoints, this.endpoints) || this.stopped) return;
    this.endpoints = endpoints;
    this.telemetry.changed(endpoints.length);
    await this.onChange?.(endpoints);
  }

  private async lookup(): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`lookup ${this.opts.hostname}: timed out after ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
    });
    try {
      // getaddrinfo, as Go's resolver: /etc/hosts, then the name servers of /etc/resolv.conf
      const found = await Promise.race([lookup(this.opts.hostname, { all: true }), timeout]);
      return [...new Set(found.map((a) => a.address))];
    } finally {
      clearTimeout(timer);
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
