// The edges between services, as contrib's servicegraph connector finds them: a client (or
// producer) span and the server (or consumer) span whose parent it is share a key (trace id +
// the client's span id) in a store that holds each half until its pair comes or `store::ttl`
// passes. A paired edge adds to the request, failure and latency metrics of (client, server);
// a half that expires becomes an edge to or from a virtual node when the span names its peer.
import type { Counter } from '@opentelemetry/api';
import type { Batch, Connector, Consumer, CreateSettings, Consumers } from '@flowtel/core';
import { permanent } from '@flowtel/core';
import {
  AggregationTemporality,
  ExponentialHistogramRecorder,
  SpanKind,
  StatusCode,
  bucketIndex,
  newScope,
  valueAsString,
  type HistogramDataPoint,
  type KeyValue,
  type Metric,
  type Metrics,
  type ResourceSpans,
  type Span,
} from '@flowtel/pdata';
import { DEFAULT_LATENCY_BUCKETS_S, type ServiceGraphConfig } from './config.ts';

export const METRICS = {
  droppedSpans: 'otelcol_connector_servicegraph_dropped_spans',
  expiredEdges: 'otelcol_connector_servicegraph_expired_edges',
  totalEdges: 'otelcol_connector_servicegraph_total_edges',
} as const;

const SEP = '\u0000';
/** series not updated for this long are dropped by the cache loop (contrib's 15 minutes) */
const STALE_MS = 15 * 60_000;

type ConnectionType = '' | 'messaging_system' | 'database' | 'virtual_node';

/** One request between two services, while its other half is awaited. */
interface Edge {
  /** the store key: trace id and the client's span id */
  key: string;
  /** the key's span id was empty (a server span without parent) */
  noParent: boolean;
  connectionType: ConnectionType;
  client: string;
  server: string;
  clientSeconds: number;
  serverSeconds: number;
  failed: boolean;
  dimensions: Map<string, string>;
  /** the first virtual_node_peer_attributes value the client span has */
  peer?: string;
  virtualNode: '' | 'client' | 'server';
  expiresAt: number;
}

interface Histo {
  count: number;
  sum: number;
  buckets?: Float64Array;
  expo?: ExponentialHistogramRecorder;
}

interface Series {
  attributes: KeyValue[];
  total: number;
  failed: number;
  client: Histo;
  server: Histo;
  lastUpdated: number;
}

function find(attributes: KeyValue[], key: string): string | undefined {
  for (let i = 0; i < attributes.length; i++) if (attributes[i].key === key) return valueAsString(attributes[i].value);
  return undefined;
}

/** The first of `keys` found, each looked up in `maps` in order. */
function firstOf(keys: string[], ...maps: KeyValue[][]): string | undefined {
  for (const k of keys)
    for (const m of maps) {
      const v = find(m, k);
      if (v !== undefined) return v;
    }
  return undefined;
}

/** Trace id and span id as one short string: a byte per char. */
function edgeKey(traceId: Uint8Array, spanId: Uint8Array): string {
  let s = '';
  for (let i = 0; i < traceId.length; i++) s += String.fromCharCode(traceId[i]);
  s += SEP;
  for (let i = 0; i < spanId.length; i++) s += String.fromCharCode(spanId[i]);
  return s;
}

const seconds = (span: Span) => Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;

export class ServiceGraphConnector implements Connector {
  private readonly config: ServiceGraphConfig;
  private readonly settings: CreateSettings;
  private readonly next: Consumer | undefined;
  /** the unpaired halves, oldest first (one ttl for all, so insertion order is expiry order) */
  private readonly store = new Map<string, Edge>();
  private readonly series = new Map<string, Series>();
  private readonly bounds: number[] | undefined;
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;
  private readonly counters: { dropped: Counter; expired: Counter; total: Counter };
  private timers: NodeJS.Timeout[] = [];

  constructor(settings: CreateSettings, config: ServiceGraphConfig, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.next = consumers.metrics;
    if (config.exponential_histogram_max_size === 0)
      this.bounds = config.latency_histogram_buckets?.map((ms) => ms / 1000) ?? DEFAULT_LATENCY_BUCKETS_S;
    const meter = settings.meter;
    this.counters = {
      dropped: meter.createCounter(METRICS.droppedSpans, {
        description: 'Number of spans dropped when trying to add edges',
        unit: '1',
      }),
      expired: meter.createCounter(METRICS.expiredEdges, {
        description: 'Number of edges that expired before finding its matching span',
        unit: '1',
      }),
      total: meter.createCounter(METRICS.totalEdges, { description: 'Total number of unique edges', unit: '1' }),
    };
    if (config.metrics_exporter !== undefined)
      settings.logger.warn('metrics_exporter is deprecated and does nothing: the pipelines name the exporter');
    if (config.database_name_attribute !== undefined)
      settings.logger.warn('database_name_attribute is deprecated, please use database_name_attributes instead');
  }

  async start(): Promise<void> {
    if (this.timers.length) return;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.config.metrics_flush_interval > 0) every(this.config.metrics_flush_interval, () => this.flush());
    every(this.config.cache_loop, () => this.cleanCache(Date.now()));
    every(this.config.store_expiration_loop, () => this.expire(Date.now()));
  }

  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  consume(batch: Batch): Promise<void> {
    if (batch.signal !== 'traces')
      return Promise.reject(permanent(`servicegraph connector takes traces, not ${batch.signal}`));
    this.aggregate(batch.data.resourceSpans, Date.now());
    if (this.config.metrics_flush_interval <= 0) this.flush();
    return Promise.resolve();
  }

  /** Each client, producer, server and consumer span into the store; pairs become metrics. */
  aggregate(resourceSpans: ResourceSpans[], nowMs: number): void {
    const cfg = this.config;
    for (const rs of resourceSpans) {
      const resourceAttrs = rs.resource.attributes;
      const service = find(resourceAttrs, 'service.name');
      if (service === undefined) continue;
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          const kind = span.kind;
          let connectionType: ConnectionType = '';
          let result: 'new' | 'old' | 'dropped';
          if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) {
            if (kind === SpanKind.PRODUCER) connectionType = 'messaging_system';
            result = this.upsert(edgeKey(span.traceId, span.spanId), span.spanId.length === 0, nowMs, (e) => {
              e.connectionType = connectionType;
              e.client = service;
              e.clientSeconds = seconds(span);
              e.failed ||= span.status.code === StatusCode.ERROR;
              this.dimensions('client', e.dimensions, resourceAttrs, span.attributes);
              if (cfg.virtual_node_peer_attributes.length)
                e.peer ??= firstOf(cfg.virtual_node_peer_attributes, span.attributes);
              // a database answers no span of its own: the client span is the whole edge
              const db = firstOf(cfg.database_name_attributes, resourceAttrs, span.attributes);
              if (db !== undefined) {
                e.connectionType = 'database';
                e.server = db;
                e.serverSeconds = seconds(span);
              }
            });
          } else if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) {
            if (kind === SpanKind.CONSUMER) connectionType = 'messaging_system';
            result = this.upsert(
              edgeKey(span.traceId, span.parentSpanId),
              span.parentSpanId.length === 0,
              nowMs,
              (e) => {
                e.connectionType = connectionType;
                e.server = service;
                e.serverSeconds = seconds(span);
                e.failed ||= span.status.code === StatusCode.ERROR;
                this.dimensions('server', e.dimensions, resourceAttrs, span.attributes);
              },
            );
          } else continue;
          if (result === 'dropped') this.counters.dropped.add(1);
          else if (result === 'new') this.counters.total.add(1);
        }
    }
  }

  private dimensions(
    side: 'client' | 'server',
    into: Map<string, string>,
    resourceAttrs: KeyValue[],
    spanAttrs: KeyValue[],
  ) {
    for (const dim of this.config.dimensions) {
      const v = firstOf([dim], resourceAttrs, spanAttrs);
      if (v !== undefined) into.set(`${side}_${dim}`, v);
    }
  }

  /** contrib's store.UpsertEdge: update the half there is, or add one while fewer than max_items wait. */
  private upsert(key: string, noParent: boolean, nowMs: number, update: (e: Edge) => void): 'new' | 'old' | 'dropped' {
    const stored = this.store.get(key);
    if (stored) {
      update(stored);
      if (stored.client && stored.server) {
        this.store.delete(key);
        this.complete(stored, nowMs);
      }
      return 'old';
    }
    const e: Edge = {
      key,
      noParent,
      connectionType: '',
      client: '',
      server: '',
      clientSeconds: 0,
      serverSeconds: 0,
      failed: false,
      dimensions: new Map(),
      virtualNode: '',
      expiresAt: nowMs + this.config.store.ttl,
    };
    update(e);
    if (e.client && e.server) {
      this.complete(e, nowMs);
      return 'new';
    }
    if (this.store.size >= this.config.store.max_items) return 'dropped';
    this.store.set(key, e);
    return 'new';
  }

  /** Halves past their ttl: counted, and made edges of a virtual node where contrib makes them. */
  expire(nowMs: number): void {
    for (const e of this.store.values()) {
      if (e.expiresAt >= nowMs) break;
      this.store.delete(e.key);
      this.counters.expired.add(1);
      if (this.config.virtual_node_peer_attributes.length === 0) continue;
      e.connectionType = 'virtual_node';
      if (e.client === '' && e.noParent) {
        // a server span nobody on record called: the user
        e.client = 'user';
        if (this.config.virtual_node_extra_label) e.virtualNode = 'client';
        this.complete(e, nowMs);
      }
      if (e.server === '') {
        e.server = e.peer ?? 'unknown';
        if (this.config.virtual_node_extra_label) e.virtualNode = 'server';
        this.complete(e, nowMs);
      }
    }
  }

  /** The pending halves, for tests and the memory bound. */
  get pending(): number {
    return this.store.size;
  }

  private complete(e: Edge, nowMs: number): void {
    let key = `${e.client}${SEP}${e.server}${SEP}${e.connectionType}${SEP}${e.failed}`;
    for (const dim of this.config.dimensions)
      for (const side of ['client', 'server']) {
        const v = e.dimensions.get(`${side}_${dim}`);
        if (v !== undefined) key += `${SEP}${side}_${dim}_${v}`;
      }
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        attributes: [],
        total: 0,
        failed: 0,
        client: this.newHisto(),
        server: this.newHisto(),
        lastUpdated: nowMs,
      };
      this.series.set(key, s);
    }
    // contrib overwrites the series' dimensions with the latest edge's
    const attrs: KeyValue[] = [
      { key: 'client', value: { stringValue: e.client } },
      { key: 'server', value: { stringValue: e.server } },
      { key: 'connection_type', value: { stringValue: e.connectionType } },
      { key: 'failed', value: { boolValue: e.failed } },
    ];
    for (const [k, v] of e.dimensions) attrs.push({ key: k, value: { stringValue: v } });
    if (this.config.virtual_node_extra_label)
      attrs.push({ key: 'virtual_node', value: { stringValue: e.virtualNode } });
    s.attributes = attrs;
    s.lastUpdated = nowMs;
    s.total++;
    if (e.failed) s.failed++;
    this.observe(s.server, e.serverSeconds);
    this.observe(s.client, e.clientSeconds);
  }

  private newHisto(): Histo {
    return this.bounds
      ? { count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) }
      : { count: 0, sum: 0, expo: new ExponentialHistogramRecorder(this.config.exponential_histogram_max_size) };
  }

  private observe(h: Histo, v: number): void {
    h.count++;
    h.sum += v;
    if (h.buckets) h.buckets[bucketIndex(this.bounds!, v)]++;
    else h.expo!.record(v);
  }

  /** Series no edge has updated for 15 minutes go (contrib's cacheLoop). */
  cleanCache(nowMs: number): void {
    for (const [key, s] of this.series) if (s.lastUpdated + STALE_MS < nowMs) this.series.delete(key);
  }

  flush(): void {
    const metrics = this.build(Date.now());
    if (metrics.resourceMetrics.length === 0 || !this.next) return;
    const items = metrics.resourceMetrics[0].scopeMetrics[0].metrics.reduce(
      (n, m) =>
        n +
        (m.sum?.dataPoints.length ?? 0) +
        (m.histogram?.dataPoints.length ?? 0) +
        (m.exponentialHistogram?.dataPoints.length ?? 0),
      0,
    );
    this.next.consume({ signal: 'metrics', items, data: metrics }).catch((err: unknown) => {
      this.settings.logger.error({ err: String(err), data_points: items }, 'failed to flush metrics');
    });
  }

  /** Cumulative metrics of every series, as of `nowMs` less metrics_timestamp_offset. */
  build(nowMs: number): Metrics {
    if (this.series.size === 0) return { resourceMetrics: [] };
    const ts = BigInt(Math.round(nowMs - this.config.metrics_timestamp_offset)) * 1_000_000n;
    const start = this.startNs;
    const all = [...this.series.values()];
    const cumulative = AggregationTemporality.CUMULATIVE;
    const sum = (name: string, pick: (s: Series) => number, of: Series[]): Metric => ({
      name,
      description: '',
      unit: '',
      metadata: [],
      sum: {
        aggregationTemporality: cumulative,
        isMonotonic: true,
        dataPoints: of.map((s) => ({
          attributes: s.attributes,
          startTimeUnixNano: start,
          timeUnixNano: ts,
          asInt: BigInt(pick(s)),
          exemplars: [],
          flags: 0,
        })),
      },
    });
    const latency = (name: string, pick: (s: Series) => Histo): Metric => {
      const base = { name, description: '', unit: 's', metadata: [] };
      if (this.bounds)
        return {
          ...base,
          histogram: {
            aggregationTemporality: cumulative,
            dataPoints: all.map((s): HistogramDataPoint => {
              const h = pick(s);
              return {
                attributes: s.attributes,
                startTimeUnixNano: start,
                timeUnixNano: ts,
                count: BigInt(h.count),
                sum: h.sum,
                bucketCounts: Array.from(h.buckets!, (c) => BigInt(c)),
                explicitBounds: this.bounds!,
                exemplars: [],
                flags: 0,
              };
            }),
          },
        };
      return {
        ...base,
        exponentialHistogram: {
          aggregationTemporality: cumulative,
          dataPoints: all.map((s) =>
            pick(s).expo!.fill({ attributes: s.attributes, startTimeUnixNano: start, timeUnixNano: ts, exemplars: [] }),
          ),
        },
      };
    };
    const metrics = [sum('traces_service_graph_request_total', (s) => s.total, all)];
    const failed = all.filter((s) => s.failed > 0);
    if (failed.length) metrics.push(sum('traces_service_graph_request_failed_total', (s) => s.failed, failed));
    metrics.push(latency('traces_service_graph_request_server', (s) => s.server));
    metrics.push(latency('traces_service_graph_request_client', (s) => s.client));
    return {
      resourceMetrics: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeMetrics: [{ scope: newScope('traces_service_graph'), schemaUrl: '', metrics }],
        },
      ],
    };
  }
}
