// The collector's life: load and validate the config, run the graph, and answer signals
// (SIGTERM/SIGINT shut down gracefully, SIGHUP reloads without losing queued data).
import { loadConfig } from './config/source.ts';
import { resolveConfig, type ResolvedConfig } from './config/validate.ts';
import type { FeatureGateState } from './component.ts';
import { Graph } from './graph.ts';
import type { Registry } from './registry.ts';
import { createTelemetry, type BuildInfo, type Telemetry } from './telemetry/telemetry.ts';

export interface ServiceOptions {
  configUris: string[];
  sets: string[];
  registry: Registry;
  build: BuildInfo;
  /** extra lines to log at start (feature gates, plugins) */
  notes?: string[];
  /** enabled feature gates */
  featureGates?: readonly string[];
  /** every feature gate the collector knows, with its state: what zpages' featurez lists */
  featureGateStates?: readonly FeatureGateState[];
}

/** Reads the config, imports the components it names, and validates it. */
export async function loadAndResolve(
  opts: Pick<ServiceOptions, 'configUris' | 'sets' | 'registry' | 'featureGates'>,
): Promise<ResolvedConfig> {
  const loaded = loadConfig(opts.configUris, opts.sets);
  await opts.registry.loadNamed(loaded.tree);
  return resolveConfig(loaded, opts.registry, { featureGates: opts.featureGates });
}

export class Service {
  private readonly opts: ServiceOptions;
  private graph?: Graph;
  private telemetry?: Telemetry;
  private resolveDone?: () => void;
  /** set while runUntilSignalled runs: shuts down and lets it return */
  private stop?: () => void;
  private reloading = Promise.resolve();

  constructor(opts: ServiceOptions) {
    this.opts = opts;
  }

  /** Starts the collector; throws on a bad config or a component that cannot start. */
  async start(given?: ResolvedConfig): Promise<void> {
    const config = given ?? (await loadAndResolve(this.opts));
    this.telemetry = await createTelemetry(config.service.telemetry, this.opts.build);
    const log = this.telemetry.logger;
    log.info({ version: this.opts.build.version }, 'Starting flowtel...');
    for (const w of config.warnings) log.warn(w);
    for (const note of this.opts.notes ?? []) log.info(note);
    const { build } = this.opts;
    this.graph = new Graph(config, this.telemetry, () => this.stop?.(), {
      build: { command: build.command, description: build.description ?? '', version: build.version },
      featureGates: [...(this.opts.featureGateStates ?? [])],
    });
    try {
      await this.graph.start();
    } catch (err) {
      await this.graph.shutdown();
      await this.telemetry.shutdown();
      throw err;
    }
  }

  async shutdown(): Promise<void> {
    await this.reloading;
    await this.graph?.shutdown();
    await this.telemetry?.shutdown();
  }

  /** Validates the new config first: a bad one is logged and the running pipelines stay. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      const log = this.telemetry?.logger;
      let config: ResolvedConfig;
      try {
        config = await loadAndResolve(this.opts);
      } catch (err) {
        log?.error({ err: (err as Error).message }, 'config reload rejected; keeping the running configuration');
        return;
      }
      log?.info('Config changed: restarting the pipelines');
      await this.graph?.shutdown();
      await this.telemetry?.shutdown();
      await this.start(config);
    });
    return this.reloading;
  }

  /**
   * Starts, then runs until SIGTERM, SIGINT or a component's shutdown request; resolves once
   * shut down. It listens from before the start until the shutdown has finished, as otelcol
   * does: a signal that arrives while components start (a supervisor stopping a slow start, or
   * one sent right after the ready line) shuts down once they have started, and a repeated
   * signal during the shutdown is logged and ignored. Without a listener node takes the
   * signal's default action and the process dies with nothing drained.
   */
  async run(): Promise<void> {
    let received: string | undefined;
    const onSignal = (signal: string) => {
      if (received) {
        this.telemetry?.logger.info({ signal }, 'Received signal from OS while shutting down; ignored');
        return;
      }
      received = signal;
      if (!this.stop) return; // still starting: run() shuts down once the start has finished
      this.telemetry?.logger.info({ signal }, 'Received signal from OS');
      this.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      await this.start();
      if (received) {
        this.telemetry?.logger.info({ signal: received }, 'Received signal from OS');
        await this.shutdown();
      } else await this.runUntilStopped();
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  }

  private async runUntilStopped(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    // signal listeners alone do not keep node running: a pipeline with no server would end early
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    this.stop = () => {
      if (stopping) return;
      stopping = true;
      // not awaited: a signal handler cannot wait; runUntilStopped resolves when this ends
      void this.shutdown().finally(() => this.resolveDone?.());
    };
    process.on(
      'SIGHUP',
      () => void this.reload().catch((err) => this.telemetry?.logger.error({ err: String(err) }, 'reload failed')),
    );
    await done;
    clearInterval(keepAlive);
    this.stop = undefined;
    process.removeAllListeners('SIGHUP');
  }
}
