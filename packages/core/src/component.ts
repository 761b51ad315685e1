import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Batch, PipelineSignal, Signal, Consumers } from './consumer.ts';
import type { SharedState } from './shared.ts';

export type Kind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';
export type Stability = 'development' | 'alpha' | 'beta' | 'stable' | 'deprecated' | 'unmaintained';

/** What the host gives every component: its id, a logger and a meter scoped to it. */
export interface CreateSettings {
  /** `type[/name]` as written in the config */
  id: string;
  kind: Kind;
  logger: Logger;
  meter: Meter;
  /** telemetry level: none | basic | normal | detailed */
  metricsLevel: 'none' | 'basic' | 'normal' | 'detailed';
  /** the directory of the first config file: relative paths in a config resolve from here */
  configDir: string;
}

export interface Host {
  /** a started extension by id, for auth and storage lookups */
  getExtension(id: string): Extension | undefined;
  /**
   * State components share without depending on each other's packages: instances several
   * pipelines use (started by the first, shut down after the last) and what one component
   * offers others, kept until every exporter has stopped.
   */
  readonly shared: SharedState;
  /**
   * Asks the collector to shut down gracefully, as SIGTERM does: for components whose work
   * has an end (a replayed capture with exit_on_eof). Hosts built for tests may lack it.
   */
  requestShutdown?(reason: string): void;
  /**
   * What is running, for pages that show it (zpages' servicez, pipelinez, extensionz,
   * featurez). Hosts built for tests may lack it.
   */
  describe?(): CollectorDescription;
  /**
   * Resolves once every component of the collector has started, as it says "Everything is
   * ready": work that should not compete with the start begins then (a scrape loop's first
   * tick, which the start's busy event loop would make late). Hosts built for tests may lack it.
   */
  readonly allStarted?: Promise<void>;
  /**
   * The factory of a component type another one builds instances of (the load-balancing
   * exporter's otlp_grpc exporters, one per backend), as a factory's `embeds` declares it:
   * components never import each other's packages. Hosts built for tests may lack it.
   */
  getFactory?(kind: Kind, type: string): Factory | undefined;
}

/** The running collector as otelcol's zpages show it. */
export interface CollectorDescription {
  build: { command: string; description: string; version: string };
  startTime: Date;
  pipelines: Array<{
    id: string;
    receivers: string[];
    processors: string[];
    exporters: string[];
    mutatesData: boolean;
  }>;
  extensions: string[];
  featureGates: FeatureGateState[];
}

export interface FeatureGateState {
  id: string;
  stage: string;
  enabled: boolean;
  description: string;
}

export interface Component {
  start(host: Host): Promise<void>;
  /** Stop taking work and let in-flight work finish. Safe to call twice, and before start. */
  shutdown(): Promise<void>;
}

export type Receiver = Component;

export interface Processor extends Component {
  /**
   * The processor's stage. It must forward or settle every batch's Ack (merging joins them,
   * dropping resolves or rejects them), catch its own errors per batch, and flush whatever it
   * holds when its source completes.
   */
  operator(): OperatorFunction<Batch, Batch>;
}

export interface Exporter extends Component {
  /** Resolves once the batch is accepted: queued, or sent when there is no queue. */
  consume(batch: Batch): Promise<void>;
}

export interface Connector extends Component {
  consume(batch: Batch): Promise<void>;
}

export type Extension = Component & Record<string, unknown>;

/**
 * Another component's config nested in this one's (the load-balancing exporter's
 * `protocol::otlp` is an otlp_grpc exporter's config). The collector loads that component's
 * factory with this one, validates the nested config with its schema over `defaults` (problems
 * reported at their place in the file), and hands the factory out through `Host.getFactory`.
 */
export interface EmbeddedComponent {
  /** where the nested config sits in this component's config */
  path: string[];
  kind: Kind;
  type: string;
  /** what the nested config starts from before the user's keys (e.g. a placeholder endpoint) */
  defaults?: Record<string, unknown>;
}

interface FactoryBase<C> {
  type: string;
  /** older spellings accepted in configs, e.g. `otlp` for `otlp_grpc` */
  aliases?: string[];
  /** the schema of the component's config; parsing `{}` gives the defaults */
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** one line for `flowtel components` */
  description?: string;
  /**
   * The component's own metrics (the otelcol_<kind>_* ones every component of its kind gets
   * are not listed): every instrument it creates, named as its README lists them. The lifecycle
   * test checks the instruments against this list, the README test the README against it.
   */
  metrics?: string[];
  /**
   * For a component otelcol removed that deployed configs still carry: the warning `validate`
   * and start give once per configured id, naming what replaces it.
   */
  deprecated?: string;
  /** the other components whose configs are nested in this one's */
  embeds?: EmbeddedComponent[];
}

export interface ReceiverFactory<C = any> extends FactoryBase<C> {
  kind: 'receiver';
  stability: Partial<Record<PipelineSignal, Stability>>;
  /**
   * One instance per receiver id, however many pipelines use it: `consumers` has one entry
   * per signal of the pipelines that name it, each fanning out to those pipelines.
   */
  createReceiver(settings: CreateSettings, config: C, consumers: Consumers): Receiver;
  /** the signal the receiver really emits, when it is not the pipeline's (socket events) */
  emits?: Signal;
}

export interface ProcessorFactory<C = any> extends FactoryBase<C> {
  kind: 'processor';
  stability: Partial<Record<PipelineSignal, Stability>>;
  /** One instance per pipeline that names it. */
  createProcessor(settings: CreateSettings, config: C, signal: PipelineSignal, pipelineId: string): Processor;
  /** the signals it takes in, when not just the pipeline's (the l7 processor takes socket events) */
  consumes?: Signal[];
  /** true when it changes batches in place: the host then gives each pipeline its own copy */
  mutatesData?: boolean;
  /**
   * What is wrong with a (schema-valid) config in a pipeline of `signal`, for the checks otelcol
   * makes when it creates the component for that signal (e.g. span-only include keys in a logs
   * pipeline): `validate` reports it at the pipeline's reference to the processor.
   */
  checkSignal?(config: C, signal: PipelineSignal): string | undefined;
}

export interface ExporterFactory<C = any> extends FactoryBase<C> {
  kind: 'exporter';
  stability: Partial<Record<PipelineSignal, Stability>>;
  /** One instance per exporter id, shared by every pipeline that names it. */
  createExporter(settings: CreateSettings, config: C, signals: PipelineSignal[]): Exporter;
  /** true when it changes the batches it consumes: the pipeline's fan-out then gives it its own copy */
  mutatesData?: boolean;
}

export interface ConnectorFactory<C = any> extends FactoryBase<C> {
  kind: 'connector';
  /** stability per `from->to`, e.g. `traces->metrics` */
  stability: Partial<Record<`${PipelineSignal}->${PipelineSignal}`, Stability>>;
  createConnector(settings: CreateSettings, config: C, consumers: Consumers): Connector;
  /** true when it changes the batches it consumes: the pipeline's fan-out then gives it its own copy */
  mutatesData?: boolean;
}

export interface ExtensionFactory<C = any> extends FactoryBase<C> {
  kind: 'extension';
  stability: Stability;
  createExtension(settings: CreateSettings, config: C): Extension;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory | ExtensionFactory;
