// The receiver built in-process with a consumer that keeps what it is given, and what a
// Prometheus would store from the same OTLP: the translation undone, sample by sample.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { BatchInput, Consumer } from '@flowtel/core';
import type { KeyValue, Metric, Metrics } from '@flowtel/pdata';
import { type Prometheus, testHost, testSettings } from '@flowtel/testkit';
import { pino } from 'pino';
import { factory, type PrometheusReceiver } from '../src/index.ts';

export interface Received {
  receiver: PrometheusReceiver;
  batches: Metrics[];
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startReceiver(config: unknown, configDir = process.cwd()): Promise<Received> {
  const batches: Metrics[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const consumer: Consumer = {
    consume: async (batch: BatchInput) => {
      batches.push(batch.data as Metrics);
    },
  };
  const settings = testSettings('prometheus', 'receiver', configDir);
  settings.logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        logs.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const receiver = factory.createReceiver(settings, factory.configSchema.parse(config), {
    metrics: consumer,
  }) as PrometheusReceiver;
  // as in a collector: the scrape loops begin once the start is complete
  let markStarted!: () => void;
  const allStarted = new Promise<void>((resolve) => (markStarted = resolve));
  await receiver.start({ ...testHost(), allStarted });
  markStarted();
  return { receiver, batches, logs, stop: () => receiver.shutdown() };
}

const str = (kv: KeyValue) => (kv.value as { stringValue: string }).stringValue;

export function resourceOf(m: Metrics): Record<string, string> {
  return Object.fromEntries(m.resourceMetrics[0].resource.attributes.map((a) => [a.key, str(a)]));
}

/**
 * Prometheus's series text for a name and labels: name{a="1",b="2"} with labels sorted, and
 * `le` / `quantile` as numbers print (an OpenMetrics page writes 1.0 where flowtel has 1).
 */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const names = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort();
  const value = (k: string) => {
    const v = labels[k];
    if ((k !== 'le' && k !== 'quantile') || v === '+Inf' || Number.isNaN(Number(v))) return v;
    return String(Number(v));
  };
  return `${name}{${names.map((k) => `${k}=${JSON.stringify(value(k))}`).join(',')}}`;
}

/** The last batch per instance of `job` in which the target was up. */
export function lastScrapes(batches: Metrics[], job: string): Metrics[] {
  const last = new Map<string, Metrics>();
  for (const b of batches) {
    const res = resourceOf(b);
    if (res['service.name'] !== job) continue;
    const up = b.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === 'up');
    if (up?.gauge?.dataPoints[0].asDouble === 1) last.set(res['service.instance.id'], b);
  }
  return [...last.values()];
}

/**
 * Compares what Prometheus stores for `job` (an instant query now) with flowtel's last scrape of
 * each of the job's targets: every stored series must be there with the same value, and
 * flowtel must have no other. scrape_duration_seconds and scrape_series_added differ by nature
 * and `_created` series are flowtel's start times: those are left to the caller. Returns how many
 * series were compared.
 */
export async function compareWithPrometheus(
  prom: Prometheus,
  job: string,
  batches: Metrics[],
): Promise<{ compared: number; created: Array<[string, number]> }> {
  const stored = await prom.query(`{job="${job}"}`, Date.now() / 1000);
  const ours = samplesOf(lastScrapes(batches, job));
  const seen = new Set<string>();
  const created: Array<[string, number]> = [];
  let compared = 0;
  const problems: string[] = [];
  for (const r of stored) {
    const name = r.metric.__name__;
    const key = seriesKey(name, r.metric);
    const value = Number(r.value![1]);
    seen.add(key);
    if (name === 'scrape_duration_seconds' || name === 'scrape_series_added') continue;
    if (name.endsWith('_created')) {
      created.push([key, value]);
      continue;
    }
    const mine = ours.get(key);
    if (!mine) problems.push(`flowtel has no ${key}`);
    else if (mine.value !== value && !(Number.isNaN(mine.value) && Number.isNaN(value))) {
      problems.push(`${key}: flowtel ${mine.value}, Prometheus ${value}`);
    } else compared++;
  }
  for (const k of ours.keys()) if (!seen.has(k)) problems.push(`flowtel has ${k}, Prometheus does not`);
  assert.deepEqual(problems, [], `flowtel vs Prometheus for job ${job}`);
  return { compared, created };
}

export interface FlowtelSample {
  value: number;
  timeMs: number;
  startMs: number;
  stale: boolean;
}

/**
 * The samples a batch stands for, as Prometheus names them, with the job/instance the resource
 * carries put back as labels. Histograms give _bucket (cumulative, `le` as JS prints the bound),
 * _sum and _count; summaries their quantiles, _sum and _count.
 */
export function samplesOf(batches: Metrics[]): Map<string, FlowtelSample> {
  const out = new Map<string, FlowtelSample>();
  for (const m of batches) {
    for (const rm of m.resourceMetrics) {
      const res = Object.fromEntries(rm.resource.attributes.map((a) => [a.key, str(a)]));
      const base = { job: res['service.name'], instance: res['service.instance.id'] };
      for (const sm of rm.scopeMetrics) for (const metric of sm.metrics) add(out, metric, base);
    }
  }
  return out;
}

const le = (b: number) => (b === Infinity ? '+Inf' : String(b));

function add(out: Map<string, FlowtelSample>, metric: Metric, base: Record<string, string>): void {
  const labelsOf = (attrs: KeyValue[]) => ({ ...base, ...Object.fromEntries(attrs.map((a) => [a.key, str(a)])) });
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  const put = (
    name: string,
    labels: Record<string, string>,
    value: number,
    p: { timeUnixNano: bigint; startTimeUnixNano: bigint; flags: number },
  ) =>
    out.set(seriesKey(name, labels), {
      value,
      timeMs: ms(p.timeUnixNano),
      startMs: ms(p.startTimeUnixNano),
      stale: (p.flags & 1) === 1,
    });
  for (const p of metric.gauge?.dataPoints ?? metric.sum?.dataPoints ?? []) {
    put(metric.name, labelsOf(p.attributes), p.asDouble ?? Number(p.asInt ?? NaN), p);
  }
  for (const p of metric.histogram?.dataPoints ?? []) {
    const labels = labelsOf(p.attributes);
    let cumulative = 0;
    p.bucketCounts.forEach((c, i) => {
      cumulative += Number(c);
      put(`${metric.name}_bucket`, { ...labels, le: le(p.explicitBounds[i] ?? Infinity) }, cumulative, p);
    });
    if (p.sum !== undefined) put(`${metric.name}_sum`, labels, p.sum, p);
    put(`${metric.name}_count`, labels, Number(p.count), p);
  }
  for (const p of metric.summary?.dataPoints ?? []) {
    const labels = labelsOf(p.attributes);
    for (const q of p.quantileValues) put(metric.name, { ...labels, quantile: String(q.quantile) }, q.value, p);
    put(`${metric.name}_sum`, labels, p.sum, p);
    put(`${metric.name}_count`, labels, Number(p.count), p);
  }
}
