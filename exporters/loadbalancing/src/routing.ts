// How a batch is cut by backend, per routing_key, as contrib's load-balancing exporter keys it:
// traces by trace id (the id's 16 bytes), by service (the resource's service.name) or by
// attributes (for each named attribute, the resource's value, else the first scope's, else the
// span's; span.kind and span.name as pseudo attributes, keyed on the first span of each trace in
// a resource); logs and metrics by service, resource (all its attributes), metric name, stream
// (resource, scope, metric and point attributes) or attributes ("name=value|" per name, in
// order). Envelopes are shallow-copied, items are shared: nothing is copied per item.
import { randomBytes } from 'node:crypto';
import type {
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Logs,
  Metric,
  Metrics,
  Resource,
  Span,
  Traces,
} from '@flowtel/pdata';
import { valueAsString } from '@flowtel/pdata';
import type { RoutingKey } from './config.ts';

export type EndpointFor = (key: Uint8Array | string) => string | undefined;

/** contrib keys with Value.Str(): the text of a string value, "" for any other type. */
function strOf(attributes: KeyValue[], key: string): string | undefined {
  for (const kv of attributes) if (kv.key === key) return 'stringValue' in kv.value ? kv.value.stringValue : '';
  return undefined;
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

/** Groups children under copies of their envelopes, one tree per endpoint, in input order. */
class Tree<T> {
  readonly roots: object[] = [];
  private lastTop?: object;
  private lastMid?: object;
  private items?: T[];
  constructor(
    private readonly midKey: string,
    private readonly itemKey: string,
  ) {}

  add(top: object, mid: object, item: T): void {
    if (top !== this.lastTop) {
      this.lastTop = top;
      this.lastMid = undefined;
      this.roots.push({ ...top, [this.midKey]: [] });
    }
    if (mid !== this.lastMid) {
      this.lastMid = mid;
      this.items = [];
      (this.roots[this.roots.length - 1] as Record<string, object[]>)[this.midKey].push({
        ...mid,
        [this.itemKey]: this.items,
      });
    }
    this.items!.push(item);
  }
}

function treeFor<T>(trees: Map<string, Tree<T>>, endpoint: string, mid: string, item: string): Tree<T> {
  let t = trees.get(endpoint);
  if (!t) trees.set(endpoint, (t = new Tree<T>(mid, item)));
  return t;
}

/** A backend's share of a batch, with its item count. */
export interface Share<D> {
  data: D;
  items: number;
}

/** Thrown when the ring has no backend (nothing resolved yet): contrib's message. */
export class NoBackend extends Error {
  constructor() {
    super(`couldn't find the exporter for the endpoint ""`);
  }
}

function mustEndpoint(endpointFor: EndpointFor, key: Uint8Array | string): string {
  const e = endpointFor(key);
  if (e === undefined) throw new NoBackend();
  return e;
}

function attributeKey(
  attrs: string[],
  resource: Resource,
  scope: InstrumentationScope | undefined,
  span: Span,
): string {
  let key = '';
  for (const a of attrs) {
    const r = strOf(resource.attributes, a);
    if (r !== undefined) {
      key += r;
      continue;
    }
    const s = scope && strOf(scope.attributes, a);
    if (s !== undefined) {
      key += s;
      continue;
    }
    if (a === 'span.kind') key += SPAN_KINDS[span.kind] ?? '';
    else if (a === 'span.name') key += span.name;
    else key += strOf(span.attributes, a) ?? '';
  }
  return key;
}

const hex = (id: Uint8Array) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');

export function splitTraces(
  data: Traces,
  routing: RoutingKey,
  attrs: string[],
  endpointFor: EndpointFor,
): Map<string, Share<Traces>> {
  const trees = new Map<string, Tree<Span>>();
  const counts = new Map<string, number>();
  for (const rs of data.resourceSpans) {
    const service =
      routing === 'service'
        ? mustEndpoint(endpointFor, strOf(rs.resource.attributes, 'service.name') ?? '')
        : undefined;
    // attributes: each trace of this resource goes where its first span's key says
    const byTrace = routing === 'attributes' ? new Map<string, string>() : undefined;
    const firstScope = rs.scopeSpans[0]?.scope;
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        let endpoint: string;
        if (service !== undefined) endpoint = service;
        else if (byTrace) {
          const t = hex(span.traceId);
          let e = byTrace.get(t);
          if (e === undefined)
            byTrace.set(t, (e = mustEndpoint(endpointFor, attributeKey(attrs, rs.resource, firstScope, span))));
          endpoint = e;
        } else endpoint = mustEndpoint(endpointFor, span.traceId);
        treeFor(trees, endpoint, 'scopeSpans', 'spans').add(rs, ss, span);
        counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
      }
    }
  }
  return shares(trees, counts, (roots) => ({ resourceSpans: roots }) as Traces);
}

function shares<D, T>(
  trees: Map<string, Tree<T>>,
  counts: Map<string, number>,
  wrap: (roots: object[]) => D,
): Map<string, Share<D>> {
  const out = new Map<string, Share<D>>();
  for (const [endpoint, tree] of trees) out.set(endpoint, { data: wrap(tree.roots), items: counts.get(endpoint)! });
  return out;
}

/** A resource's identity: its attributes in key order, as text. */
function resourceIdentity(resource: Resource): string {
  return [...resource.attributes]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((kv) => `${kv.key}=${valueAsString(kv.value)}`)
    .join('|');
}

/** "name=value|" for each name: the resource's value, else the scope's, else the item's; missing ones empty. */
function namedKey(attrs: string[], lookups: Array<KeyValue[]>, pseudo?: (name: string) => string | undefined): string {
  let key = '';
  for (const a of attrs) {
    let value = pseudo?.(a);
    for (const l of lookups) {
      if (value !== undefined) break;
      const kv = l.find((x) => x.key === a);
      if (kv) value = valueAsString(kv.value);
    }
    key += `${a}=${value ?? ''}|`;
  }
  return key;
}

const isEmptyId = (id: Uint8Array) => id.length === 0 || id.every((b) => b === 0);

export function splitLogs(
  data: Logs,
  routing: RoutingKey,
  attrs: string[],
  endpointFor: EndpointFor,
): Map<string, Share<Logs>> {
  const trees = new Map<string, Tree<LogRecord>>();
  const counts = new Map<string, number>();
  for (const rl of data.resourceLogs) {
    const perResource =
      routing === 'service'
        ? mustEndpoint(endpointFor, strOf(rl.resource.attributes, 'service.name') ?? '')
        : routing === 'resource'
          ? mustEndpoint(endpointFor, resourceIdentity(rl.resource))
          : undefined;
    for (const sl of rl.scopeLogs) {
      for (const record of sl.logRecords) {
        let endpoint = perResource;
        if (endpoint === undefined) {
          if (routing === 'traceID')
            // contrib gives a record without a trace id a random one, so it still lands somewhere
            endpoint = mustEndpoint(endpointFor, isEmptyId(record.traceId) ? randomBytes(16) : record.traceId);
          else
            endpoint = mustEndpoint(
              endpointFor,
              namedKey(attrs, [rl.resource.attributes, sl.scope.attributes, record.attributes], (name) =>
                name === 'log.severity'
                  ? record.severityText
                  : name === 'log.body' && record.body
                    ? valueAsString(record.body)
                    : undefined,
              ),
            );
        }
        treeFor(trees, endpoint, 'scopeLogs', 'logRecords').add(rl, sl, record);
        counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
      }
    }
  }
  return shares(trees, counts, (roots) => ({ resourceLogs: roots }) as Logs);
}

const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

function pointsOf(m: Metric): Array<{ attributes: KeyValue[] }> {
  for (const k of METRIC_DATA) if (m[k]) return m[k].dataPoints;
  return [];
}

function withPoints(m: Metric, points: unknown[]): Metric {
  for (const k of METRIC_DATA) if (m[k]) return { ...m, [k]: { ...m[k], dataPoints: points } };
  return m;
}

function metricIdentity(m: Metric): string {
  const kind = METRIC_DATA.find((k) => m[k]) ?? '';
  const data = kind ? (m[kind] as { aggregationTemporality?: number; isMonotonic?: boolean }) : {};
  return `${m.name}|${m.unit}|${kind}|${data.aggregationTemporality ?? ''}|${data.isMonotonic ?? ''}`;
}

export function splitMetrics(
  data: Metrics,
  routing: RoutingKey,
  attrs: string[],
  endpointFor: EndpointFor,
): Map<string, Share<Metrics>> {
  // points are grouped per metric: the tree's items are [metric, point] pairs, rebuilt below
  const trees = new Map<string, Tree<[Metric, unknown]>>();
  const counts = new Map<string, number>();
  for (const rm of data.resourceMetrics) {
    const resourceId = routing === 'resource' || routing === 'streamID' ? resourceIdentity(rm.resource) : '';
    const perResource =
      routing === 'service'
        ? mustEndpoint(endpointFor, strOf(rm.resource.attributes, 'service.name') ?? '')
        : routing === 'resource'
          ? mustEndpoint(endpointFor, resourceId)
          : undefined;
    for (const sm of rm.scopeMetrics) {
      const scopeId =
        routing === 'streamID'
          ? `${sm.scope.name}|${sm.scope.version}|${resourceIdentity({ attributes: sm.scope.attributes } as Resource)}`
          : '';
      for (const metric of sm.metrics) {
        const perMetric = perResource ?? (routing === 'metric' ? mustEndpoint(endpointFor, metric.name) : undefined);
        const metricId = routing === 'streamID' ? metricIdentity(metric) : '';
        for (const point of pointsOf(metric)) {
          const endpoint =
            perMetric ??
            mustEndpoint(
              endpointFor,
              routing === 'streamID'
                ? `${resourceId}#${scopeId}#${metricId}#${resourceIdentity({ attributes: point.attributes } as Resource)}`
                : namedKey(attrs, [rm.resource.attributes, sm.scope.attributes, point.attributes]),
            );
          treeFor(trees, endpoint, 'scopeMetrics', 'metrics').add(rm, sm, [metric, point]);
          counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
        }
      }
    }
  }
  const out = new Map<string, Share<Metrics>>();
  for (const [endpoint, tree] of trees) {
    for (const rm of tree.roots as Array<{ scopeMetrics: Array<{ metrics: unknown[] }> }>)
      for (const sm of rm.scopeMetrics) {
        const metrics: Metric[] = [];
        let last: Metric | undefined;
        let points: unknown[] = [];
        for (const [m, p] of sm.metrics as Array<[Metric, unknown]>) {
          if (m !== last) {
            if (last) metrics.push(withPoints(last, points));
            last = m;
            points = [];
          }
          points.push(p);
        }
        if (last) metrics.push(withPoints(last, points));
        sm.metrics = metrics;
      }
    out.set(endpoint, { data: { resourceMetrics: tree.roots } as Metrics, items: counts.get(endpoint)! });
  }
  return out;
}
