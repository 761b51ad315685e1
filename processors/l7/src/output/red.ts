// RED metrics from request logs: a duration histogram per service, operation and outcome,
// named as the semantic conventions name them (http.server.request.duration, ...), and a
// request counter by response status. Cumulative, so a restart shows as a reset.
import {
  AggregationTemporality,
  attr,
  newResource,
  newScope,
  type KeyValue,
  type Metric,
  type Metrics,
  type ResourceMetrics,
} from '@flowtel/pdata';
import type { AttributeValue } from '../message.ts';
import { isServer, type L7Record } from '../record.ts';
import { SCOPE_NAME, SCOPE_VERSION, errorType, resourceAttributes, resourceKey, spanName } from './describe.ts';

/** The semantic conventions' duration buckets, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Family {
  server: string;
  client: string;
  keys: string[];
}

const FAMILIES: Record<string, Family> = {
  http: {
    server: 'http.server.request.duration',
    client: 'http.client.request.duration',
    keys: ['http.request.method', 'http.response.status_code', 'http.route', 'network.protocol.version'],
  },
  rpc: {
    server: 'rpc.server.call.duration',
    client: 'rpc.client.call.duration',
    keys: ['rpc.system', 'rpc.service', 'rpc.method', 'rpc.grpc.status_code'],
  },
  db: {
    server: 'db.server.operation.duration',
    client: 'db.client.operation.duration',
    keys: ['db.system.name', 'db.operation.name', 'db.namespace', 'db.collection.name'],
  },
  messaging: {
    server: 'messaging.process.duration',
    client: 'messaging.client.operation.duration',
    keys: ['messaging.system', 'messaging.operation.type', 'messaging.destination.name'],
  },
  dns: { server: 'dns.server.request.duration', client: 'dns.lookup.duration', keys: [] },
  other: { server: 'flowtel.l7.server.duration', client: 'flowtel.l7.client.duration', keys: [] },
};

/**
 * A record's attribute as the metrics see it: http.route from the request's endpoint over HTTP,
 * otherwise the response's value over the request's. Read in place: merging the two messages
 * into one object per record cost more than the rest of the aggregation.
 */
function metricAttribute(r: L7Record, key: string): AttributeValue | undefined {
  if (key === 'http.route' && r.request?.endpoint && r.protocol.startsWith('HTTP')) return r.request.endpoint;
  const response = r.response?.attributes;
  return response !== undefined && key in response ? response[key] : r.request?.attributes[key];
}

function family(r: L7Record): Family {
  if (metricAttribute(r, 'rpc.system')) return FAMILIES.rpc;
  if (r.protocol.startsWith('HTTP')) return FAMILIES.http;
  if (metricAttribute(r, 'db.system.name')) return FAMILIES.db;
  if (metricAttribute(r, 'messaging.system')) return FAMILIES.messaging;
  if (r.protocol === 'DNS') return FAMILIES.dns;
  return FAMILIES.other;
}

// Counts are numbers while they add up (a BigInt increment allocates a new BigInt) and BigInts
// in the snapshot, as OTLP has them; a number counts exactly up to 2^53.
interface HistogramCell {
  attributes: KeyValue[];
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
}

interface CounterCell {
  attributes: KeyValue[];
  value: number;
}

/**
 * Cells found by walking one Map per attribute with the record's values (undefined where a
 * record lacks one), the cell under LEAF. A key string per record, which nearly every record
 * only looks up, allocated more than the rest of the aggregation.
 */
type CellTree<C> = Map<unknown, CellTree<C> | C>;
const LEAF = Symbol('cell');

function child<C>(tree: CellTree<C>, value: unknown): CellTree<C> {
  let next = tree.get(value) as CellTree<C> | undefined;
  if (next === undefined) tree.set(value, (next = new Map()));
  return next;
}

interface ServiceSeries {
  resource: KeyValue[];
  histograms: Map<string, CellTree<HistogramCell>>;
  requests: CellTree<CounterCell>;
  /** every cell, in the order they appeared (what the snapshot lists) */
  histogramCells: Map<string, HistogramCell[]>;
  requestCells: CounterCell[];
}

/** The tree node of a record's histogram attributes, in histogramAttributes' order. */
function histogramNode(
  tree: CellTree<HistogramCell>,
  r: L7Record,
  fam: Family,
  error: string | undefined,
): CellTree<HistogramCell> {
  let node = tree;
  for (const key of fam.keys) node = child(node, metricAttribute(r, key));
  if (fam === FAMILIES.other || fam === FAMILIES.dns) node = child(node, r.protocol);
  return child(node, error || undefined);
}

function histogramAttributes(r: L7Record, fam: Family, error: string | undefined): KeyValue[] {
  const attributes: KeyValue[] = [];
  for (const key of fam.keys) {
    const value = metricAttribute(r, key);
    if (value !== undefined) attributes.push(attr(key, value));
  }
  if (fam === FAMILIES.other || fam === FAMILIES.dns) attributes.push(attr('flowtel.l7.protocol', r.protocol));
  if (error) attributes.push(attr('error.type', error));
  return attributes;
}

function bucketOf(seconds: number): number {
  let b = 0;
  while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]) b++;
  return b;
}

export class RedAggregator {
  private readonly series = new Map<string, ServiceSeries>();
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;
  private readonly maxSeries: number;
  /** records not counted because the series limit was reached */
  dropped = 0;
  private cells = 0;

  constructor(maxSeries = 10_000) {
    this.maxSeries = maxSeries;
  }

  add(records: L7Record[]): void {
    for (const r of records) this.addOne(r);
  }

  private addOne(r: L7Record): void {
    const key = resourceKey(r);
    let s = this.series.get(key);
    if (!s)
      this.series.set(
        key,
        (s = {
          resource: resourceAttributes(r),
          histograms: new Map(),
          requests: new Map(),
          histogramCells: new Map(),
          requestCells: [],
        }),
      );
    const fam = family(r);
    const name = isServer(r) ? fam.server : fam.client;
    const error = errorType(r);

    let tree = s.histograms.get(name);
    if (!tree) {
      s.histograms.set(name, (tree = new Map()));
      s.histogramCells.set(name, []);
    }
    const node = histogramNode(tree, r, fam, error);
    let h = node.get(LEAF) as HistogramCell | undefined;
    if (!h) {
      if (this.cells >= this.maxSeries) {
        this.dropped++;
        return;
      }
      this.cells++;
      h = {
        attributes: histogramAttributes(r, fam, error),
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
      };
      node.set(LEAF, h);
      s.histogramCells.get(name)!.push(h);
    }
    const seconds = Number(r.endNs - r.startNs) / 1e9;
    h.count++;
    h.sum += seconds;
    h.min = Math.min(h.min, seconds);
    h.max = Math.max(h.max, seconds);
    h.buckets[bucketOf(seconds)]++;

    const endpoint = spanName(r);
    const status = r.unanswered ? 'timeout' : (r.response?.response_status ?? 'unknown');
    const leaf = child(child(child(child(s.requests, r.protocol), endpoint), r.conn.role), status);
    let c = leaf.get(LEAF) as CounterCell | undefined;
    if (!c) {
      const attributes = [
        attr('flowtel.l7.protocol', r.protocol),
        attr('flowtel.l7.endpoint', endpoint),
        attr('flowtel.l7.side', r.conn.role),
        attr('flowtel.l7.response_status', status),
      ];
      leaf.set(LEAF, (c = { attributes, value: 0 }));
      s.requestCells.push(c);
    }
    c.value++;
  }

  get isEmpty(): boolean {
    return this.series.size === 0;
  }

  /** The current cumulative state, as OTLP metrics. */
  snapshot(): Metrics {
    const now = BigInt(Date.now()) * 1_000_000n;
    const resourceMetrics: ResourceMetrics[] = [];
    for (const s of this.series.values()) {
      const metrics: Metric[] = [];
      for (const [name, cells] of s.histogramCells) {
        metrics.push({
          name,
          description: 'Duration of requests seen on the wire, from the first request byte to the last response byte.',
          unit: 's',
          metadata: [],
          histogram: {
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPoints: cells.map((h) => ({
              attributes: h.attributes,
              startTimeUnixNano: this.startNs,
              timeUnixNano: now,
              count: BigInt(h.count),
              sum: h.sum,
              min: h.min,
              max: h.max,
              bucketCounts: h.buckets.map(BigInt),
              explicitBounds: DURATION_BUCKETS,
              exemplars: [],
              flags: 0,
            })),
          },
        });
      }
      metrics.push({
        name: 'flowtel.l7.requests',
        description: 'Requests seen on the wire, by protocol, endpoint, side and response status.',
        unit: '{request}',
        metadata: [],
        sum: {
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          isMonotonic: true,
          dataPoints: s.requestCells.map((c) => ({
            attributes: c.attributes,
            startTimeUnixNano: this.startNs,
            timeUnixNano: now,
            asInt: BigInt(c.value),
            exemplars: [],
            flags: 0,
          })),
        },
      });
      resourceMetrics.push({
        resource: newResource(s.resource),
        schemaUrl: '',
        scopeMetrics: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', metrics }],
      });
    }
    return { resourceMetrics };
  }
}
