// The routing connector: each resource, span, log record, metric or data point goes to the
// pipelines of the first route whose condition it meets (match_once is contrib's only mode
// since v0.120), what meets none to default_pipelines (or nowhere, as contrib, when there are
// none). Routes are tried in order, each taking what it matches out of the batch: a request
// route takes all that is left when the client's metadata matches.
import {
  type BatchInput,
  type Connector,
  type Consumer,
  type Consumers,
  type CreateSettings,
  permanent,
  type PipelineSignal,
} from '@flowtel/core';
import { TransformContext, walkLogs, walkMetrics, walkTraces, type Visit } from '@flowtel/ottl';
import {
  dataPointCount,
  logRecordCount,
  type Logs,
  type Metric,
  type Metrics,
  spanCount,
  type Traces,
} from '@flowtel/pdata';
import { compileRoute, type RouteTest, type RoutingConfig } from './config.ts';

type Signal = 'traces' | 'metrics' | 'logs';
type Data = Traces | Metrics | Logs;

const CONTEXTS: Record<Signal, string[]> = {
  traces: ['resource', 'span', 'request'],
  metrics: ['resource', 'metric', 'datapoint', 'request'],
  logs: ['resource', 'log', 'request'],
};
const LAYOUT = {
  traces: { top: 'resourceSpans', mid: 'scopeSpans', item: 'spans' },
  metrics: { top: 'resourceMetrics', mid: 'scopeMetrics', item: 'metrics' },
  logs: { top: 'resourceLogs', mid: 'scopeLogs', item: 'logRecords' },
} as const;

/** What a route takes out of a batch, under copies of its envelopes. */
class Taken {
  readonly roots: object[] = [];
  private lastTop?: object;
  private lastMid?: object;
  private items?: unknown[];
  constructor(private readonly signal: Signal) {}
  resource(rs: object): void {
    this.roots.push(rs);
    this.lastTop = undefined;
  }
  item(top: object, mid: object, item: unknown): void {
    const l = LAYOUT[this.signal];
    if (top !== this.lastTop) {
      this.lastTop = top;
      this.lastMid = undefined;
      this.roots.push({ ...top, [l.mid]: [] });
    }
    if (mid !== this.lastMid) {
      this.lastMid = mid;
      this.items = [];
      (this.roots[this.roots.length - 1] as Record<string, object[]>)[l.mid].push({ ...mid, [l.item]: this.items });
    }
    this.items!.push(item);
  }
  data(): Data {
    if (this.signal === 'metrics')
      // data points were taken with their metric: one metric per run of points
      for (const rm of this.roots as Array<{ scopeMetrics: Array<{ metrics: unknown[] }> }>)
        for (const sm of rm.scopeMetrics) sm.metrics = regroup(sm.metrics);
    return { [LAYOUT[this.signal].top]: this.roots } as unknown as Data;
  }
}

const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
/** [metric, point] pairs (datapoint routes) back into metrics holding those points; metrics as they are. */
function regroup(items: unknown[]): Metric[] {
  const out: Metric[] = [];
  let last: Metric | undefined;
  let points: unknown[] = [];
  const flush = () => {
    if (!last) return;
    const kind = KINDS.find((k) => last![k])!;
    out.push({ ...last, [kind]: { ...last[kind], dataPoints: points } } as Metric);
  };
  for (const it of items) {
    if (!Array.isArray(it)) {
      out.push(it as Metric);
      continue;
    }
    const [m, p] = it as [Metric, unknown];
    if (m !== last) {
      flush();
      last = m;
      points = [];
    }
    points.push(p);
  }
  flush();
  return out;
}

const countOf = (signal: Signal, data: Data) =>
  signal === 'traces'
    ? spanCount(data as Traces)
    : signal === 'logs'
      ? logRecordCount(data as Logs)
      : dataPointCount(data as Metrics);

interface Route {
  test: RouteTest;
  to: Consumer;
}

export class RoutingConnector implements Connector {
  private readonly routes: Partial<Record<Signal, Route[]>> = {};
  private readonly defaults: Partial<Record<Signal, Consumer>> = {};

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: RoutingConfig,
    consumers: Consumers,
  ) {
    for (const signal of Object.keys(consumers) as PipelineSignal[]) {
      if (signal === 'profiles') continue;
      const consumer = consumers[signal]!;
      if (!consumer.pipelines) throw new Error('the routing connector needs a consumer that reaches pipelines by id');
      this.routes[signal] = config.table.map((r) => {
        const test = compileRoute(r);
        if (!CONTEXTS[signal].includes(test.context))
          throw new Error(
            `${test.context} context is not supported in a ${signal} pipeline (valid: ${CONTEXTS[signal].join(', ')})`,
          );
        return { test, to: consumer.pipelines!(r.pipelines) };
      });
      if (config.default_pipelines.length) this.defaults[signal] = consumer.pipelines(config.default_pipelines);
    }
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  async consume(batch: BatchInput): Promise<void> {
    if (batch.signal !== 'traces' && batch.signal !== 'metrics' && batch.signal !== 'logs') return;
    const signal = batch.signal;
    const data = batch.data as Data;
    const sends: Array<[Consumer, Data]> = [];
    let rest: Data | undefined = data;
    for (const route of this.routes[signal] ?? []) {
      if (!rest) break;
      const t = route.test;
      if (t.context === 'request') {
        const values = Object.entries(batch.client?.metadata ?? {}).find(([k]) => k.toLowerCase() === t.key)?.[1] ?? [];
        if (values.includes(t.value) === t.equal) {
          sends.push([route.to, rest]);
          rest = undefined;
        }
        continue;
      }
      const taken = new Taken(signal);
      const visit: Visit = (tc) => {
        let hit: boolean;
        try {
          hit = t.when(tc);
        } catch (err) {
          if (this.config.error_mode === 'propagate')
            throw permanent(`failed to evaluate route: ${(err as Error).message}`);
          if (this.config.error_mode === 'ignore')
            this.settings.logger.warn({ err: (err as Error).message }, 'failed to evaluate route; treated as no match');
          return false;
        }
        if (!hit) return false;
        if (t.context === 'resource') taken.resource(tc.resourceHolder);
        else if (t.context === 'span') taken.item(tc.resourceHolder, tc.scopeHolder, tc.span);
        else if (t.context === 'log') taken.item(tc.resourceHolder, tc.scopeHolder, tc.log);
        else if (t.context === 'metric') taken.item(tc.resourceHolder, tc.scopeHolder, tc.metric);
        else taken.item(tc.resourceHolder, tc.scopeHolder, [tc.metric, tc.dp]);
        return true;
      };
      const tc = new TransformContext();
      if (signal === 'traces') walkTraces(rest as Traces, t.context, visit, tc);
      else if (signal === 'logs') walkLogs(rest as Logs, t.context, visit, tc);
      else walkMetrics(rest as Metrics, t.context, visit, tc);
      if (taken.roots.length) sends.push([route.to, taken.data()]);
    }
    const fallback = this.defaults[signal];
    if (rest && fallback && countOf(signal, rest) > 0) sends.push([fallback, rest]);
    await Promise.all(
      sends.map(([to, d]) => to.consume({ ...batch, data: d, items: countOf(signal, d) } as BatchInput)),
    );
  }
}
