// The load-balancing exporter: one otlp_grpc exporter per backend the resolver names, and each
// batch cut by routing key and handed to the backend the consistent hash ring picks for it, as
// contrib's loadbalancingexporter. The backends' exporters come from the otlp_grpc factory the
// host hands out (components never import each other) with protocol::otlp as their config and
// the backend as endpoint: each has its own queue and retries, so a failing backend is retried
// there (retry_on_failure under protocol::otlp) while the others keep flowing. A backend the
// resolver drops leaves the ring at once (new keys go elsewhere) and its exporter is shut down,
// draining what it holds.
import { createNoopMeter, type Counter, type Histogram } from '@opentelemetry/api';
import {
  Ack,
  createQueuedExporter,
  type Batch,
  type CreateSettings,
  type Exporter,
  type ExporterFactory,
  type Host,
  type PipelineSignal,
  retryable,
} from '@flowtel/core';
import { type LoadBalancingConfig, KEYS_BY_SIGNAL, type RoutingKey } from './config.ts';
import { HashRing } from './ring.ts';
import { DnsResolver, type Resolver, ResolverTelemetry, StaticResolver } from './resolver.ts';
import { NoBackend, type Share, splitLogs, splitMetrics, splitTraces } from './routing.ts';

const DEFAULT_PORT = '4317';
/** contrib's placeholder: the template's endpoint, replaced by each backend's */
export const PLACEHOLDER_ENDPOINT = 'placeholder:4317';

/** contrib's endpointWithPort: a backend named without a port gets 4317. */
export const endpointWithPort = (e: string): string => (e.includes(':') ? e : `${e}:${DEFAULT_PORT}`);

type RoutedSignal = 'traces' | 'logs' | 'metrics';

interface Backend {
  endpoint: string;
  exporter: Exporter;
}

export class LoadBalancingExporter implements Exporter {
  private readonly settings: CreateSettings;
  private readonly config: LoadBalancingConfig;
  private readonly signals: PipelineSignal[];
  private readonly routing: Record<RoutedSignal, RoutingKey>;
  private readonly resolver: Resolver;
  private readonly helper: Exporter;
  private readonly latency: Histogram;
  private readonly outcome: Counter;
  private ring?: HashRing;
  private backends = new Map<string, Backend>();
  private factory?: ExporterFactory;
  private template?: Record<string, unknown>;
  private host?: Host;
  /** backends being shut down after the resolver dropped them */
  private readonly leaving = new Set<Promise<void>>();
  /** resolver changes, one at a time */
  private changes = Promise.resolve();
  private stopped = false;

  constructor(settings: CreateSettings, config: LoadBalancingConfig, signals: PipelineSignal[]) {
    this.settings = settings;
    this.config = config;
    this.signals = signals;
    const key = (signal: RoutedSignal): RoutingKey => {
      const accepted = KEYS_BY_SIGNAL[signal];
      if (config.routing_key === '') return accepted[0];
      if (!accepted.includes(config.routing_key))
        throw new Error(`unsupported routing_key: ${config.routing_key} (${signal} take ${accepted.join(', ')})`);
      return config.routing_key;
    };
    this.routing = { traces: 'traceID', logs: 'service', metrics: 'service' };
    for (const s of signals) if (s !== 'profiles') this.routing[s] = key(s);
    const r = config.resolver;
    if (r.static)
      this.resolver = new StaticResolver(r.static.hostnames, new ResolverTelemetry(settings.meter, 'static'));
    else if (r.dns)
      this.resolver = new DnsResolver(
        { hostname: r.dns.hostname, port: r.dns.port, intervalMs: r.dns.interval, timeoutMs: r.dns.timeout },
        new ResolverTelemetry(settings.meter, 'dns'),
        settings.logger.child({ resolver: 'dns' }),
      );
    else throw new Error('no resolvers specified for the exporter');
    this.latency = settings.meter.createHistogram('otelcol_loadbalancer_backend_latency', {
      description: 'Response latency in ms for the backends.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
    });
    this.outcome = settings.meter.createCounter('otelcol_loadbalancer_backend_outcome', {
      description: 'Number of successes and failures for each endpoint.',
      unit: '{outcomes}',
    });
    // the load balancer's own helper, with contrib's top-level options (off unless configured);
    // its metrics are muted as contrib's are: the backends' exporters report under this id
    const q = config.sending_queue;
    this.helper = createQueuedExporter({
      settings: { ...settings, meter: createNoopMeter() },
      config: {
        timeout: config.timeout,
        retry_on_failure: config.retry_on_failure,
        // contrib waits for the backends' result when it retries at this level, so a retry
        // is routed again (to the ring of that moment)
        sending_queue:
          config.retry_on_failure.enabled && q.enabled && q.storage === undefined ? { ...q, wait_for_result: true } : q,
      },
      signals,
      push: (batch) => this.distribute(batch),
      start: (host) => this.startBalancing(host),
      shutdown: () => this.stopBalancing(),
    });
  }

  start(host: Host): Promise<void> {
    return this.helper.start(host);
  }

  consume(batch: Batch): Promise<void> {
    return this.helper.consume(batch);
  }

  shutdown(): Promise<void> {
    return this.helper.shutdown();
  }

  private async startBalancing(host: Host): Promise<void> {
    this.host = host;
    const factory = host.getFactory?.('exporter', 'otlp_grpc');
    if (!factory || factory.kind !== 'exporter')
      throw new Error('the load_balancing exporter needs the otlp_grpc exporter, which this collector does not have');
    this.factory = factory;
    this.template = { ...(this.config.protocol.otlp ?? {}) };
    // fail at start, as contrib does when the template cannot make an exporter
    factory.configSchema.parse({ ...this.template, endpoint: PLACEHOLDER_ENDPOINT });
    await this.resolver.start((endpoints) => this.onBackendChanges(endpoints));
  }

  /** The current backends by endpoint, for tests. */
  get endpoints(): string[] {
    return [...this.backends.keys()];
  }

  private onBackendChanges(resolved: string[]): Promise<void> {
    this.changes = this.changes.then(() => this.applyChanges(resolved));
    return this.changes;
  }

  private async applyChanges(resolved: string[]): Promise<void> {
    if (this.stopped) return;
    const ring = new HashRing(resolved);
    if (ring.equals(this.ring)) return;
    const wanted = new Set(resolved.map(endpointWithPort));
    const next = new Map<string, Backend>();
    for (const endpoint of wanted) {
      const existing = this.backends.get(endpoint);
      if (existing) {
        next.set(endpoint, existing);
        continue;
      }
      try {
        next.set(endpoint, await this.startBackend(endpoint));
      } catch (err) {
        this.settings.logger.error(
          { endpoint, err: (err as Error).message },
          'failed to create new exporter for endpoint',
        );
      }
    }
    const gone = [...this.backends.values()].filter((b) => !wanted.has(b.endpoint));
    this.ring = ring;
    this.backends = next;
    for (const b of gone) {
      // not awaited: the resolver goes on; shutdown waits for these
      const p = b.exporter
        .shutdown()
        .catch((err: unknown) =>
          this.settings.logger.warn(
            { endpoint: b.endpoint, err: String(err) },
            'shutting down a removed backend failed',
          ),
        )
        .finally(() => this.leaving.delete(p));
      this.leaving.add(p);
    }
    this.settings.logger.info({ backends: [...next.keys()] }, 'load balancer backends changed');
  }

  private async startBackend(endpoint: string): Promise<Backend> {
    const config = this.factory!.configSchema.parse({ ...this.template, endpoint });
    const exporter = this.factory!.createExporter(
      { ...this.settings, logger: this.settings.logger.child({ endpoint }) },
      config,
      this.signals,
    );
    await exporter.start(this.host!);
    return { endpoint, exporter };
  }

  private backendFor = (key: Uint8Array | string): string | undefined => this.ring?.endpointFor(key);

  /** One attempt: the batch cut by backend, each share handed to its backend's exporter. */
  private async distribute(batch: Batch): Promise<void> {
    let shares: Map<string, Share<unknown>>;
    try {
      switch (batch.signal) {
        case 'traces':
          shares = splitTraces(batch.data, this.routing.traces, this.config.routing_attributes, this.backendFor);
          break;
        case 'logs':
          shares = splitLogs(batch.data, this.routing.logs, this.config.routing_attributes, this.backendFor);
          break;
        case 'metrics':
          shares = splitMetrics(batch.data, this.routing.metrics, this.config.routing_attributes, this.backendFor);
          break;
        default:
          throw new Error(`the load_balancing exporter takes no ${batch.signal}`);
      }
    } catch (err) {
      if (err instanceof NoBackend) throw retryable(err.message);
      throw err;
    }
    const errors: unknown[] = [];
    await Promise.all(
      [...shares].map(async ([endpoint, share]) => {
        const backend = this.backends.get(endpointWithPort(endpoint));
        if (!backend) {
          errors.push(retryable(`couldn't find the exporter for the endpoint "${endpoint}"`));
          return;
        }
        const started = performance.now();
        let success = true;
        try {
          await backend.exporter.consume({
            ...batch,
            data: share.data,
            items: share.items,
            ack: Ack.none(),
          } as Batch);
        } catch (err) {
          success = false;
          errors.push(err);
          this.settings.logger.debug({ endpoint, err: String(err) }, `failed to export ${batch.signal}`);
        }
        this.latency.record(performance.now() - started, { endpoint: backend.endpoint });
        this.outcome.add(1, { endpoint: backend.endpoint, success });
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  private async stopBalancing(): Promise<void> {
    this.stopped = true;
    await this.resolver.shutdown();
    await this.changes;
    const all = [...this.backends.values()].map((b) => b.exporter.shutdown());
    this.backends = new Map();
    await Promise.all([...all, ...this.leaving]);
  }
}
