// The running collector: components built from a resolved config and wired as RxJS pipelines.
//
//   receivers ──fan-out──▶ Subject per pipeline ──processors──▶ fan-out to exporters/connectors
//
// A receiver used by several pipelines runs once; each pipeline has its own processor
// instances; exporters and connectors are shared. Both fan-outs hand a batch out as otelcol's
// fanoutconsumer does (fanout.ts): copies only for consumers that change data. Every batch
// carries an Ack back to its receiver. Start: extensions, exporters, connectors, processors,
// receivers; shutdown is the reverse, and pipelines drain before their exporters stop.
import { Subject, map, mergeMap, tap, type Observable } from 'rxjs';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type {
  CollectorDescription,
  Component,
  Connector,
  CreateSettings,
  Exporter,
  Extension,
  Factory,
  Host,
  Kind,
  Processor,
  Receiver,
} from './component.ts';
import {
  Ack,
  asConsumerError,
  retryable,
  type Batch,
  type BatchInput,
  type Consumer,
  type Consumers,
} from './consumer.ts';
import type { PipelineConfig, ResolvedConfig } from './config/validate.ts';
import { fanOut, fanOutMutates } from './fanout.ts';
import { SharedState } from './shared.ts';
import { ProcessorObs, ReceiverObs } from './telemetry/obs.ts';
import type { Telemetry } from './telemetry/telemetry.ts';

/** Extensions that care about the collector's readiness (health_check). */
interface ReadinessWatcher {
  ready(): void;
  notReady(): void;
}
const watchesReadiness = (e: Extension): e is Extension & ReadinessWatcher =>
  typeof e.ready === 'function' && typeof e.notReady === 'function';

/** What the graph tells of the collector beyond its config (Host.describe). */
export type About = Pick<CollectorDescription, 'build' | 'featureGates'>;

/** How many batches a pipeline hands its exporters at once before buffering. */
const EXPORT_CONCURRENCY = 256;

interface Pipeline {
  config: PipelineConfig;
  input: Subject<Batch>;
  processors: Processor[];
  /** exporters and connectors it feeds */
  sinks: Array<Exporter | Connector>;
  /** resolves when the pipeline has drained after its input completed */
  drained: Promise<void>;
  closed: boolean;
  /** per sink: whether it changes what it consumes (then the fan-out gives it a copy) */
  sinkMutates: boolean[];
  /**
   * whether the pipeline changes the data it is given: a processor does, or every sink does
   * (otelcol's pipeline capability); receivers fanning out to it then give it a copy
   */
  mutates: boolean;
}

export class Graph implements Host {
  private readonly config: ResolvedConfig;
  private readonly telemetry: Telemetry;
  private readonly logger: Logger;
  private readonly extensions = new Map<string, Extension>();
  private readonly exporters = new Map<string, Exporter>();
  private readonly connectors = new Map<string, Connector>();
  private readonly receivers = new Map<string, Receiver>();
  private readonly pipelines = new Map<string, Pipeline>();
  readonly shared = new SharedState();
  private started = false;
  private markStarted!: () => void;
  readonly allStarted = new Promise<void>((resolve) => (this.markStarted = resolve));
  private shutdownPromise?: Promise<void>;
  /** One meter for every component: Prometheus serves one family per metric name. */
  private readonly meter: Meter;

  private readonly onShutdownRequest: (reason: string) => void;
  private readonly about: About;
  private readonly startTime = new Date();

  /** `onShutdownRequest` is how a component's `requestShutdown` reaches whoever runs the graph. */
  constructor(
    config: ResolvedConfig,
    telemetry: Telemetry,
    onShutdownRequest: (reason: string) => void = () => void this.shutdown(),
    about: About = { build: { command: 'flowtel', description: '', version: '' }, featureGates: [] },
  ) {
    this.about = about;
    this.config = config;
    this.telemetry = telemetry;
    this.logger = telemetry.logger;
    this.meter = telemetry.meter('flowtel');
    this.onShutdownRequest = onShutdownRequest;
  }

  getExtension(id: string): Extension | undefined {
    return this.extensions.get(id);
  }

  getFactory(kind: Kind, type: string): Factory | undefined {
    return this.config.embedded?.get(`${kind}/${type}`);
  }

  describe(): CollectorDescription {
    return {
      ...this.about,
      startTime: this.startTime,
      pipelines: this.config.service.pipelines.map((p) => ({
        id: p.id,
        receivers: p.receivers,
        processors: p.processors,
        exporters: p.exporters,
        mutatesData: this.pipelines.get(p.id)?.mutates ?? false,
      })),
      extensions: [...this.config.service.extensions],
    };
  }

  requestShutdown(reason: string): void {
    this.logger.info({ reason }, 'A component asked the collector to shut down');
    this.onShutdownRequest(reason);
  }

  private settings(kind: Kind, id: string, extra: Record<string, string> = {}): CreateSettings {
    return {
      id,
      kind,
      logger: this.logger.child({ 'otelcol.component.id': id, 'otelcol.component.kind': kind, ...extra }),
      meter: this.meter,
      metricsLevel: this.telemetry.level,
      configDir: this.config.baseDir,
    };
  }

  private build(): void {
    const c = this.config;
    for (const id of c.service.extensions) {
      const e = c.extensions.get(id)!;
      this.extensions.set(id, e.factory.createExtension(this.settings('extension', id), e.config));
    }
    const used = (key: 'receivers' | 'exporters') => new Set(c.service.pipelines.flatMap((p) => p[key]));
    for (const id of used('exporters')) {
      const e = c.exporters.get(id);
      if (!e) continue;
      const signals = c.service.pipelines.filter((p) => p.exporters.includes(id)).map((p) => p.signal);
      this.exporters.set(id, e.factory.createExporter(this.settings('exporter', id), e.config, [...new Set(signals)]));
    }
    for (const [id, e] of c.connectors) {
      const downstream = c.service.pipelines.filter((p) => p.receivers.includes(id));
      if (downstream.length === 0) continue;
      this.connectors.set(
        id,
        e.factory.createConnector(this.settings('connector', id), e.config, this.consumersFor(id, downstream)),
      );
    }
    for (const p of c.service.pipelines) {
      const input = new Subject<Batch>();
      const processors = p.processors.map((id) => {
        const e = c.processors.get(id)!;
        return e.factory.createProcessor(
          this.settings('processor', id, { 'otelcol.pipeline.id': p.id }),
          e.config,
          p.signal,
          p.id,
        );
      });
      const sinks = p.exporters.map((id) => this.exporters.get(id) ?? this.connectors.get(id)!);
      const sinkMutates = p.exporters.map(
        (id) => (c.exporters.get(id) ?? c.connectors.get(id))?.factory.mutatesData === true,
      );
      const mutates =
        p.processors.some((id) => c.processors.get(id)!.factory.mutatesData) || fanOutMutates(sinkMutates);
      const pipeline: Pipeline = {
        config: p,
        input,
        processors,
        sinks,
        drained: Promise.resolve(),
        closed: false,
        sinkMutates,
        mutates,
      };
      pipeline.drained = this.wire(pipeline);
      this.pipelines.set(p.id, pipeline);
    }
    for (const id of used('receivers')) {
      const e = c.receivers.get(id);
      if (!e) continue;
      const pipelines = c.service.pipelines.filter((p) => p.receivers.includes(id));
      this.receivers.set(
        id,
        e.factory.createReceiver(this.settings('receiver', id), e.config, this.consumersFor(id, pipelines)),
      );
    }
  }

  /** Runs a pipeline: processors in order, then each batch handed to every sink. */
  private wire(p: Pipeline): Promise<void> {
    let stream: Observable<Batch> = p.input;
    p.processors.forEach((processor, i) => {
      const obs = new ProcessorObs(this.meter, p.config.processors[i], p.config.id);
      stream = stream.pipe(
        tap((b) => obs.in(b.signal, b.items)),
        processor.operator(),
        map((b) => obs.out(b)),
      );
    });
    return new Promise<void>((resolve) => {
      stream.pipe(mergeMap((batch) => this.dispatch(p, batch), EXPORT_CONCURRENCY)).subscribe({
        complete: resolve,
        error: (err) => {
          this.logger.error(
            { err: String(err), pipeline: p.config.id },
            'pipeline failed: a processor raised an error it did not handle',
          );
          p.closed = true;
          resolve();
        },
      });
    });
  }

  private async dispatch(p: Pipeline, batch: Batch): Promise<void> {
    const acks = batch.ack.split(p.sinks.length);
    const batches = fanOut(batch, p.sinkMutates);
    await Promise.all(
      p.sinks.map((sink, i) =>
        sink.consume({ ...batches[i], ack: acks[i] } as Batch).then(
          () => acks[i].resolve(),
          (err) => {
            const refusal = asConsumerError(err);
            refusal.origin ??= p.config.exporters[i];
            acks[i].settle(refusal);
          },
        ),
      ),
    );
  }

  /** The consumers a receiver or connector pushes into: one per signal, fanning out to pipelines. */
  private consumersFor(id: string, pipelines: PipelineConfig[]): Consumers {
    const obs = new ReceiverObs(this.meter, id);
    const out: Consumers = {};
    for (const signal of new Set(pipelines.map((p) => p.signal))) {
      const all = pipelines.filter((p) => p.signal === signal).map((p) => p.id);
      const consumerOf = (targets: readonly string[]): Consumer => ({
        consume: (input: BatchInput) => {
          const { ack, done } = Ack.withPromise();
          const open = targets.map((t) => this.pipelines.get(t)!).filter((t) => t && !t.closed);
          if (open.length < targets.length) {
            ack.reject(retryable('the collector is shutting down'));
          } else {
            const acks = ack.split(open.length);
            const batches = fanOut(
              input,
              open.map((t) => t.mutates),
            );
            open.forEach((t, i) => t.input.next({ ...batches[i], ack: acks[i] } as Batch));
          }
          // the counts, not the batch: the closures live until the batch is exported, and a
          // capture batch kept that long is promoted to the old generation with all it holds
          const { signal: batchSignal, items, transport } = input;
          done.then(
            () => obs.record(batchSignal, items, transport, true),
            () => obs.record(batchSignal, items, transport, false),
          );
          return done;
        },
        pipelines: (ids) => {
          const missing = ids.filter((p) => !all.includes(p));
          if (missing.length)
            throw new Error(
              `pipeline ${missing.map((m) => `"${m}"`).join(', ')} is not fed by ${id} (it feeds ${all.join(', ')})`,
            );
          return consumerOf([...new Set(ids)]);
        },
      });
      out[signal] = consumerOf(all);
    }
    return out;
  }

  async start(): Promise<void> {
    this.build();
    const startAll = async (kind: string, components: Map<string, Component>) => {
      for (const [id, c] of components) {
        try {
          await c.start(this);
        } catch (err) {
          throw new Error(`failed to start ${kind} "${id}": ${(err as Error).message}`, { cause: err });
        }
      }
    };
    await startAll('extension', this.extensions);
    await startAll('exporter', this.exporters);
    await startAll('connector', this.connectors);
    for (const p of this.pipelines.values())
      for (const [i, proc] of p.processors.entries())
        await startAll('processor', new Map([[p.config.processors[i], proc]]));
    await startAll('receiver', this.receivers);
    this.started = true;
    for (const e of this.extensions.values()) if (watchesReadiness(e)) e.ready();
    this.logger.info('Everything is ready. Begin running and processing data.');
    this.markStarted();
  }

  /** Graceful: receivers stop, pipelines drain in dependency order, exporters empty their queues. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.logger.info('Starting shutdown...');
    for (const e of this.extensions.values()) if (watchesReadiness(e)) e.notReady();
    const stopAll = async (components: Iterable<Component>) => {
      await Promise.all(
        [...components].map((c) =>
          c.shutdown().catch((err) => this.logger.error({ err: String(err) }, 'shutdown failed')),
        ),
      );
    };
    await stopAll(this.receivers.values());
    // A pipeline can close once nothing feeds it: its receivers are stopped and every
    // pipeline feeding its connectors has drained.
    const remaining = new Set(this.pipelines.values());
    const feeders = (p: Pipeline) =>
      [...this.pipelines.values()].filter(
        (q) => q !== p && q.config.exporters.some((id) => this.connectors.has(id) && p.config.receivers.includes(id)),
      );
    while (remaining.size) {
      const ready = [...remaining].filter((p) => feeders(p).every((f) => !remaining.has(f)));
      const wave = ready.length ? ready : [...remaining];
      for (const p of wave) {
        p.closed = true;
        p.input.complete();
      }
      await Promise.all(wave.map((p) => p.drained));
      for (const p of wave) remaining.delete(p);
    }
    await stopAll([...this.pipelines.values()].flatMap((p) => p.processors));
    await stopAll(this.connectors.values());
    await stopAll(this.exporters.values());
    // what processors offered (the SmartEncoding dictionary) stays until the exporters that
    // read it have flushed their queues
    this.shared.clear();
    await stopAll(this.extensions.values());
    this.logger.info('Shutdown complete.');
  }

  get isStarted(): boolean {
    return this.started;
  }
}
