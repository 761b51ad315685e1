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

interface HistogramCell {
  attributes: KeyValue[];
  count: bigint;
  sum: number;
  min: number;
  max: number;
  buckets: bigint[];
}

interface CounterCell {
  attributes: KeyValue[];
  value: bigint;
}

interface ServiceSeries {
  resource: KeyValue[];
  histograms: Map<string, Map<string, HistogramCell>>;
  requests: Map<string, CounterCell>;
}

const cellKey = (kvs: KeyValue[]) => kvs.map((kv) => `${kv.key}=${String(Object.values(kv.value)[0])}`).join('\u0000');

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
    if (!s) this.series.set(key, (s = { resource: resourceAttributes(r), histograms: new Map(), requests: new Map() }));
    const fam = family(r);
    const name = isServer(r) ? fam.server : fam.client;
    const error = errorType(r);
    const histogramAttrs: KeyValue[] = [];
    for (const key of fam.keys) {
      const value = metricAttribute(r, key);
      if (value !== undefined) histogramAttrs.push(attr(key, value));
    }
    if (fam === FAMILIES.other || fam === FAMILIES.dns) histogramAttrs.push(attr('flowtel.l7.protocol', r.protocol));
    if (error) histogramAttrs.push(attr('error.type', error));

    let cells = s.histograms.get(name);
    if (!cells) s.histograms.set(name, (cells = new Map()));
    const hk = cellKey(histogramAttrs);
    let h = cells.get(hk);
    if (!h) {
      if (this.cells >= this.maxSeries) {
        this.dropped++;
        return;
      }
      this.cells++;
      cells.set(
        hk,
        (h = {
          attributes: histogramAttrs,
          count: 0n,
          sum: 0,
          min: Infinity,
          max: -Infinity,
          buckets: new Array(DURATION_BUCKETS.length + 1).fill(0n),
        }),
      );
    }
    const seconds = Number(r.endNs - r.startNs) / 1e9;
    h.count++;
    h.sum += seconds;
    h.min = Math.min(h.min, seconds);
    h.max = Math.max(h.max, seconds);
    let b = DURATION_BUCKETS.findIndex((bound) => seconds <= bound);
    if (b < 0) b = DURATION_BUCKETS.length;
    h.buckets[b]++;

    const counterAttrs = [
      attr('flowtel.l7.protocol', r.protocol),
      attr('flowtel.l7.endpoint', spanName(r)),
      attr('flowtel.l7.side', r.conn.role),
      attr('flowtel.l7.response_status', r.unanswered ? 'timeout' : (r.response?.response_status ?? 'unknown')),
    ];
    const ck = cellKey(counterAttrs);
    let c = s.requests.get(ck);
    if (!c) s.requests.set(ck, (c = { attributes: counterAttrs, value: 0n }));
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
      for (const [name, cells] of s.histograms) {
        metrics.push({
          name,
          description: 'Duration of requests seen on the wire, from the first request byte to the last response byte.',
          unit: 's',
          metadata: [],
          histogram: {
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPoints: [...cells.values()].map((h) => ({
              attributes: h.attributes,
              startTimeUnixNano: this.startNs,
              timeUnixNano: now,
              count: h.count,
              sum: h.sum,
              min: h.min,
              max: h.max,
              bucketCounts: [...h.buckets],
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
          dataPoints: [...s.requests.values()].map((c) => ({
            attributes: c.attributes,
            startTimeUnixNano: this.startNs,
            timeUnixNano: now,
            asInt: c.value,
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
