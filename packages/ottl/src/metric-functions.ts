// The transform processor's metric functions (processor/transformprocessor's README): they
// change a metric's type or add metrics derived from it, in the metric context only.
import type { KeyValue, Metric, NumberDataPoint } from '@flowtel/pdata';
import { ArgError } from './compile.ts';
import { p, type FunctionDef, type Getter } from './functions.ts';
import { OttlRuntimeError } from './values.ts';

const METRIC: FunctionDef['contexts'] = ['metric'];
const TEMPORALITY: Record<string, number> = { delta: 1, cumulative: 2 };

function derived(m: Metric, suffix: string, unit: string): Metric {
  return { name: m.name + suffix, description: m.description, unit, metadata: [] };
}

function extract(which: 'count' | 'sum'): FunctionDef {
  return {
    name: `extract_${which}_metric`,
    editor: true,
    contexts: METRIC,
    params: [p('is_monotonic', 'litBool'), p('suffix', 'litString', true)],
    build: ([isMonotonic, suffix]) => {
      const sfx = (suffix as string | undefined) ?? `_${which}`;
      return (tc) => {
        const m = tc.metric!;
        const src = m.histogram ?? m.exponentialHistogram ?? m.summary;
        if (!src) return null;
        const temporality = 'aggregationTemporality' in src ? src.aggregationTemporality : 2;
        const out = derived(m, sfx, which === 'count' ? '1' : m.unit);
        const dataPoints: NumberDataPoint[] = [];
        for (const dp of src.dataPoints) {
          if (which === 'sum' && dp.sum === undefined) continue;
          const point: NumberDataPoint = {
            attributes: dp.attributes.slice(),
            startTimeUnixNano: dp.startTimeUnixNano,
            timeUnixNano: dp.timeUnixNano,
            exemplars: [],
            flags: dp.flags,
          };
          if (which === 'count') point.asInt = dp.count;
          else point.asDouble = dp.sum;
          dataPoints.push(point);
        }
        out.sum = { dataPoints, aggregationTemporality: temporality, isMonotonic: isMonotonic as boolean };
        tc.addedMetrics!.push(out);
        return null;
      };
    },
  };
}

const attrKey = (kvs: KeyValue[]) =>
  JSON.stringify(
    kvs.map((kv) => [kv.key, kv.value]),
    (_key: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v),
  );

const AGGREGATIONS: Record<string, (xs: number[]) => number> = {
  sum: (xs) => xs.reduce((a, b) => a + b, 0),
  mean: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
  min: (xs) => Math.min(...xs),
  max: (xs) => Math.max(...xs),
  count: (xs) => xs.length,
  median: (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  },
};

export const METRIC_FUNCTIONS: FunctionDef[] = [
  {
    name: 'convert_sum_to_gauge',
    editor: true,
    contexts: METRIC,
    params: [],
    build: () => (tc) => {
      const m = tc.metric!;
      if (m.sum) {
        m.gauge = { dataPoints: m.sum.dataPoints };
        delete m.sum;
      }
      return null;
    },
  },
  {
    name: 'convert_gauge_to_sum',
    editor: true,
    contexts: METRIC,
    params: [p('aggregation_temporality', 'litString'), p('is_monotonic', 'litBool')],
    build: ([temporality, isMonotonic]) => {
      const t = TEMPORALITY[temporality as string];
      if (t === undefined) throw new ArgError(`unknown aggregation temporality: ${temporality as string}`);
      return (tc) => {
        const m = tc.metric!;
        if (m.gauge) {
          m.sum = { dataPoints: m.gauge.dataPoints, aggregationTemporality: t, isMonotonic: isMonotonic as boolean };
          delete m.gauge;
        }
        return null;
      };
    },
  },
  extract('count'),
  extract('sum'),
  {
    name: 'scale_metric',
    editor: true,
    contexts: METRIC,
    params: [p('factor', 'float'), p('unit', 'litString', true)],
    build: ([factor, unit]) => {
      const f = factor as Getter;
      return (tc) => {
        const by = f(tc) as number;
        const m = tc.metric!;
        const points = m.gauge?.dataPoints ?? m.sum?.dataPoints;
        if (points) {
          for (const dp of points) {
            if (dp.asDouble !== undefined) dp.asDouble *= by;
            else if (dp.asInt !== undefined) dp.asInt = BigInt(Math.trunc(Number(dp.asInt) * by));
          }
        } else if (m.histogram) {
          for (const dp of m.histogram.dataPoints) {
            if (dp.sum !== undefined) dp.sum *= by;
            if (dp.min !== undefined) dp.min *= by;
            if (dp.max !== undefined) dp.max *= by;
            dp.explicitBounds = dp.explicitBounds.map((b) => b * by);
          }
        } else if (m.summary) {
          for (const dp of m.summary.dataPoints) {
            dp.sum *= by;
            dp.quantileValues = dp.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value * by }));
          }
        } else if (m.exponentialHistogram) {
          throw new OttlRuntimeError('scale_metric: exponential histograms are not supported');
        }
        if (unit !== undefined) m.unit = unit as string;
        return null;
      };
    },
  },
  {
    name: 'aggregate_on_attributes',
    editor: true,
    contexts: METRIC,
    params: [p('function', 'litString'), p('attributes', 'litStringList', true)],
    build: ([fn, attributes]) => {
      const agg = AGGREGATIONS[fn as string];
      if (!agg)
        throw new ArgError(
          `invalid aggregation function: '${fn as string}', valid options: ${Object.keys(AGGREGATIONS).join(', ')}`,
        );
      const keep = attributes === undefined ? undefined : new Set(attributes as string[]);
      return (tc) => {
        const m = tc.metric!;
        const owner = m.gauge ?? m.sum;
        if (!owner) {
          if (m.histogram || m.exponentialHistogram || m.summary)
            throw new OttlRuntimeError('aggregate_on_attributes: only gauges and sums are aggregated in flowtel yet');
          return null;
        }
        const groups = new Map<string, NumberDataPoint[]>();
        for (const dp of owner.dataPoints) {
          // omitted: every attribute is kept; a list: only those (an empty one: none)
          const attrs = keep ? dp.attributes.filter((kv) => keep.has(kv.key)) : dp.attributes;
          const key = attrKey(attrs);
          const g = groups.get(key);
          const point = { ...dp, attributes: attrs };
          if (g) g.push(point);
          else groups.set(key, [point]);
        }
        owner.dataPoints = [...groups.values()].map((g) => {
          const first = g[0];
          const ints = g.every((dp) => dp.asInt !== undefined);
          const v = agg(g.map((dp) => (dp.asInt !== undefined ? Number(dp.asInt) : (dp.asDouble ?? 0))));
          const out: NumberDataPoint = {
            attributes: first.attributes,
            startTimeUnixNano: g.reduce(
              (a, dp) => (dp.startTimeUnixNano < a ? dp.startTimeUnixNano : a),
              first.startTimeUnixNano,
            ),
            timeUnixNano: g.reduce((a, dp) => (dp.timeUnixNano > a ? dp.timeUnixNano : a), first.timeUnixNano),
            exemplars: [],
            flags: first.flags,
          };
          if (ints && fn !== 'mean' && fn !== 'median') out.asInt = BigInt(Math.trunc(v));
          else out.asDouble = v;
          return out;
        });
        return null;
      };
    },
  },
];
