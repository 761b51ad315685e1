// Points into OTLP metrics for one scraper: only the enabled metrics, each with its
// metadata.yaml unit, description and type, cumulative sums starting at `start`.
import type { KeyValue, Metric, NumberDataPoint } from '@flowtel/pdata';
import { AggregationTemporality } from '@flowtel/pdata';
import type { MetricDef } from './metadata.ts';

export type Attributes = Record<string, string>;

const kv = (attrs: Attributes): KeyValue[] =>
  Object.entries(attrs).map(([key, value]) => ({ key, value: { stringValue: value } }));

export class MetricsBuilder<N extends string> {
  private readonly defs: Record<N, MetricDef>;
  private readonly enabledSet: Set<string>;
  private readonly points = new Map<N, NumberDataPoint[]>();
  readonly start: bigint;
  readonly now: bigint;

  constructor(defs: Record<N, MetricDef>, metrics: Record<string, { enabled: boolean }>, start: bigint, now: bigint) {
    this.defs = defs;
    this.enabledSet = new Set(Object.keys(defs).filter((n) => metrics[n]?.enabled ?? defs[n as N].enabled));
    this.start = start;
    this.now = now;
  }

  enabled(name: N): boolean {
    return this.enabledSet.has(name);
  }

  add(name: N, value: number | bigint, attrs: Attributes = {}, start = this.start): void {
    if (!this.enabledSet.has(name)) return;
    const def = this.defs[name];
    const p: NumberDataPoint = {
      attributes: kv(attrs),
      startTimeUnixNano: def.type === 'sum' ? start : 0n,
      timeUnixNano: this.now,
      exemplars: [],
      flags: 0,
    };
    if (def.int) p.asInt = typeof value === 'bigint' ? value : BigInt(Math.round(value));
    else p.asDouble = Number(value);
    let list = this.points.get(name);
    if (!list) this.points.set(name, (list = []));
    list.push(p);
  }

  build(): Metric[] {
    const out: Metric[] = [];
    for (const [name, dataPoints] of this.points) {
      const def = this.defs[name];
      const m: Metric = { name, description: def.description, unit: def.unit, metadata: [] };
      if (def.type === 'gauge') m.gauge = { dataPoints };
      else
        m.sum = {
          dataPoints,
          isMonotonic: def.monotonic ?? false,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
        };
      out.push(m);
    }
    return out;
  }
}

export const stringAttrs = kv;
