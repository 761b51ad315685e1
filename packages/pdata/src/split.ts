// Cuts OTLP data after N items (spans, data points, log records) without touching the input:
// the resource and scope envelopes are shallow-copied into both halves, as otelcol's
// splitTraces/splitMetrics/splitLogs do.
import type { Logs, Metric, Metrics, Profiles, Traces } from './model.ts';

/** One level of the OTLP tree: how to read and replace a node's children. */
interface Level {
  children(node: object): object[];
  withChildren(node: object, children: object[]): object;
}

const field = (name: string): Level => ({
  children: (node) => (node as Record<string, object[]>)[name],
  withChildren: (node, children) => ({ ...node, [name]: children }),
});

const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

const dataPoints: Level = {
  children(node) {
    const m = node as Metric;
    for (const k of METRIC_DATA) if (m[k]) return m[k].dataPoints;
    return [];
  },
  withChildren(node, children) {
    const m = node as Metric;
    for (const k of METRIC_DATA) if (m[k]) return { ...m, [k]: { ...m[k], dataPoints: children } };
    return m;
  },
};

const TRACES: Level[] = [field('resourceSpans'), field('scopeSpans'), field('spans')];
const METRICS: Level[] = [field('resourceMetrics'), field('scopeMetrics'), field('metrics'), dataPoints];
const LOGS: Level[] = [field('resourceLogs'), field('scopeLogs'), field('logRecords')];
// both halves keep the whole dictionary: the samples' indices stay valid
const PROFILES: Level[] = [field('resourceProfiles'), field('scopeProfiles'), field('profiles'), field('samples')];

interface Cut {
  head?: object;
  rest?: object;
  taken: number;
}

function cut(node: object, levels: Level[], n: number): Cut {
  const [level, ...deeper] = levels;
  const children = level.children(node);
  if (deeper.length === 0) {
    if (children.length <= n) return { head: node, taken: children.length };
    return {
      head: level.withChildren(node, children.slice(0, n)),
      rest: level.withChildren(node, children.slice(n)),
      taken: n,
    };
  }
  const head: object[] = [];
  const rest: object[] = [];
  let taken = 0;
  for (const child of children) {
    if (taken === n) {
      rest.push(child);
      continue;
    }
    const part = cut(child, deeper, n - taken);
    if (part.head) head.push(part.head);
    if (part.rest) rest.push(part.rest);
    taken += part.taken;
  }
  // an envelope with no children at all still belongs somewhere: it goes with the head
  const keepEmpty = children.length === 0;
  return {
    head: head.length > 0 || keepEmpty ? level.withChildren(node, head) : undefined,
    rest: rest.length > 0 ? level.withChildren(node, rest) : undefined,
    taken,
  };
}

function splitWith<D extends object>(levels: Level[], data: D, n: number): [D, D] {
  const { head, rest } = cut(data, levels, n);
  const empty = levels[0].withChildren(data, []) as D;
  return [(head ?? empty) as D, (rest ?? empty) as D];
}

export const splitTraces = (data: Traces, n: number) => splitWith(TRACES, data, n);
export const splitMetrics = (data: Metrics, n: number) => splitWith(METRICS, data, n);
export const splitLogs = (data: Logs, n: number) => splitWith(LOGS, data, n);
export const splitProfiles = (data: Profiles, n: number) => splitWith(PROFILES, data, n);
