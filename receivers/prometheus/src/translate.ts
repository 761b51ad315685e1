// One target's scraped samples as OTLP metrics, the way otelcol-contrib's prometheus receiver
// builds them (internal/transaction.go, metricfamily.go): samples join their family by the
// page's metadata (a histogram's _bucket/_sum/_count/_created, a summary's quantiles, a
// counter's _created), counters become cumulative monotonic sums, gauges and untyped samples
// gauges, info and stateset non-monotonic sums; job/instance and the scrape's own labels are
// left out of the attributes; `_created` is the start time; target_info becomes the resource.
// Start times of cumulative points come from the first point seen (StartTimeAdjuster).
import {
  AggregationTemporality,
  type Exemplar,
  type KeyValue,
  type Metric,
  type Metrics,
  sharedAttr,
} from '@flowtel/pdata';
import { type ExpositionExemplar, type FamilyMetadata, type MetricType } from '@flowtel/prometheus';

export const SCOPE_NAME = 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver';

/** OpenTelemetry's NoRecordedValue data point flag: a staleness marker */
export const NO_RECORDED_VALUE = 1;

type Kind = 'gauge' | 'sum' | 'histogram' | 'summary';
type Part = 'value' | 'bucket' | 'quantile' | 'sum' | 'count' | 'created';

/** What a series of a target's page is, worked out once and kept in the target's series cache. */
export interface SeriesInfo {
  /** __name__ after metric relabeling */
  name: string;
  /** the final labels, __name__ excluded: name, value, name, value... */
  labels: string[];
  /** the metadata type the classification below was made for */
  classifiedFor?: MetricType | 'none';
  family?: string;
  kind?: Kind;
  monotonic?: boolean;
  part?: Part;
  /** le or quantile */
  bound?: number;
  /** the point's attributes (shared KeyValues: never changed in place) */
  attrs?: KeyValue[];
  /** family + attributes: the point the sample belongs to */
  pointKey?: string;
  /** the metadata entry the classification came from ('' when none described the series) */
  metaKey?: string;
  /** the point it feeds, kept across scrapes */
  point?: PointAcc;
  /** the translator's scrape in which it was last on the page */
  seenIn?: number;
}

const TRIMMABLE = ['_bucket', '_count', '_sum', '_total', '_info', '_created'];
/** labels that never become attributes (contrib's notUsefulLabels) */
const NOT_ATTRIBUTES = new Set(['instance', 'job', '__scheme__', '__metrics_path__']);

function normalize(name: string): string {
  for (const s of TRIMMABLE) if (name.length > s.length && name.endsWith(s)) return name.slice(0, -s.length);
  return name;
}

function suffixPart(name: string): Part | undefined {
  if (name.endsWith('_bucket')) return 'bucket';
  if (name.endsWith('_sum')) return 'sum';
  if (name.endsWith('_count')) return 'count';
  if (name.endsWith('_created')) return 'created';
  return undefined;
}

function labelValue(labels: string[], name: string): string | undefined {
  for (let i = 0; i < labels.length; i += 2) if (labels[i] === name) return labels[i + 1];
  return undefined;
}

/** Sets family, kind, part and attributes of `s` from the page's metadata. */
export function classify(s: SeriesInfo, metadata: Map<string, FamilyMetadata>): void {
  const name = s.name;
  let family = name;
  let kind: Kind = 'gauge';
  let monotonic = false;
  let part: Part = 'value';
  let type: MetricType | 'none' = 'none';
  let metaKey = '';
  const own = metadata.get(name);
  if (own) {
    type = own.type;
    metaKey = name;
    if (own.type === 'counter') kind = 'sum';
    else if (own.type === 'info' || own.type === 'stateset') kind = 'sum';
    else if (own.type === 'summary') {
      kind = 'summary';
      part = 'quantile';
    } else if (own.type === 'histogram') {
      kind = 'histogram';
      part = 'bucket'; // a histogram sample without suffix has no place: dropped below for want of `le`
    }
    monotonic = own.type === 'counter';
  } else {
    const base = normalize(name);
    const meta = metadata.get(base);
    const suffix = suffixPart(name);
    if (meta) {
      type = meta.type;
      metaKey = base;
      if (meta.type === 'counter') {
        kind = 'sum';
        monotonic = true;
        // OpenMetrics: `# TYPE foo counter` with foo_total and foo_created
        if (suffix === 'created') {
          family = base + '_total';
          part = 'created';
        }
      } else if ((meta.type === 'histogram' || meta.type === 'summary') && suffix !== undefined) {
        kind = meta.type;
        family = base;
        part = suffix === 'bucket' && meta.type === 'summary' ? 'value' : suffix;
        if (part === 'value') kind = 'gauge';
        if (part === 'value') family = name;
      } else if (meta.type === 'info') {
        kind = 'sum';
        family = base;
      }
    } else if (suffix === 'created' && metadata.get(base + '_total')?.type === 'counter') {
      // the text format: `# TYPE foo_total counter` with a foo_created sample
      type = 'counter';
      metaKey = base + '_total';
      kind = 'sum';
      monotonic = true;
      family = base + '_total';
      part = 'created';
    }
  }
  const excluded = part === 'bucket' ? 'le' : part === 'quantile' ? 'quantile' : undefined;
  const attrs: KeyValue[] = [];
  let key = family;
  for (let i = 0; i < s.labels.length; i += 2) {
    const ln = s.labels[i];
    if (ln === excluded || NOT_ATTRIBUTES.has(ln)) continue;
    attrs.push(sharedAttr(ln, s.labels[i + 1]));
    key += '\xff' + ln + '\xfe' + s.labels[i + 1];
  }
  s.classifiedFor = type;
  s.metaKey = metaKey;
  s.point = undefined;
  s.family = family;
  s.kind = kind;
  s.monotonic = monotonic;
  s.part = part;
  s.attrs = attrs;
  s.pointKey = key;
  s.bound = undefined;
  if (excluded) {
    const v = labelValue(s.labels, excluded);
    s.bound = v === undefined || v === '' ? undefined : parseBound(v);
  }
}

function parseBound(v: string): number | undefined {
  if (v === '+Inf') return Infinity;
  const n = Number(v);
  return Number.isNaN(n) && v.toLowerCase() !== 'nan' ? undefined : n;
}

/** One data point being gathered; kept across scrapes with its start time state. */
interface PointAcc {
  fam: FamilyAcc;
  attrs: KeyValue[];
  /** the scrape it was last filled in */
  epoch: number;
  /** removed by gc: its series resolve a new one */
  dead: boolean;
  timeMs: number;
  value: number;
  hasValue: boolean;
  count: number;
  hasCount: boolean;
  sum: number;
  hasSum: boolean;
  createdSeconds: number;
  bounds: number[];
  boundValues: number[];
  stale: boolean;
  exemplars: Exemplar[] | undefined;
  /** StartTimeAdjuster state: the start time and the last value (count and sum for distributions) */
  start: bigint | undefined;
  last: number;
  lastSum: number;
}

interface FamilyAcc {
  name: string;
  kind: Kind;
  monotonic: boolean;
  meta?: FamilyMetadata;
  points: Map<string, PointAcc>;
  /** the points filled in this scrape, in page order */
  current: PointAcc[];
  epoch: number;
}

const ns = (ms: number): bigint => (Number.isFinite(ms) ? BigInt(Math.round(ms)) * 1_000_000n : 0n);
const nsFromSeconds = (s: number): bigint => (Number.isFinite(s) ? BigInt(Math.round(s * 1000)) * 1_000_000n : 0n);
/** a count as OTLP's uint64: what is not a finite non-negative number (NaN on a page) is 0 */
const countOf = (v: number): bigint => (Number.isFinite(v) && v >= 0 ? BigInt(Math.round(v)) : 0n);

function hexBytes(hex: string, size: number): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return undefined;
  // as contrib: a short id fills the low bytes, a long one gives its first `size` bytes
  const out = new Uint8Array(size);
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length >= size) out.set(bytes.subarray(0, size));
  else out.set(bytes, size - bytes.length);
  return out;
}

export function convertExemplar(e: ExpositionExemplar, scrapeMs: number): Exemplar {
  const out: Exemplar = {
    filteredAttributes: [],
    timeUnixNano: ns(Number.isNaN(e.timestampMs) ? scrapeMs : e.timestampMs),
    asDouble: e.value,
    spanId: new Uint8Array(0),
    traceId: new Uint8Array(0),
  };
  for (let i = 0; i < e.labels.length; i += 2) {
    const name = e.labels[i];
    const value = e.labels[i + 1];
    const lower = name.toLowerCase();
    const id = lower === 'trace_id' ? hexBytes(value, 16) : lower === 'span_id' ? hexBytes(value, 8) : undefined;
    if (id && lower === 'trace_id') out.traceId = id;
    else if (id) out.spanId = id;
    else out.filteredAttributes.push({ key: name, value: { stringValue: value } });
  }
  return out;
}

/** scrapes a point may go unseen before its start time state is forgotten (contrib's gc) */
const FORGET_AFTER = 10;

/**
 * One target's translation, kept across its scrapes: the families and points its series feed
 * (resolved once per series, so a later scrape touches no map but the series cache) and each
 * point's start time. A scrape is begin(), add() per sample in page order, then build().
 */
export class TargetTranslator {
  private readonly families = new Map<string, FamilyAcc>();
  private active: FamilyAcc[] = [];
  private metadata: Map<string, FamilyMetadata> = new Map();
  epoch = 0;
  dropped = 0;
  private lastMs = NaN;
  private lastNs = 0n;

  begin(metadata: Map<string, FamilyMetadata>): void {
    this.epoch++;
    this.metadata = metadata;
    this.active = [];
    if (this.epoch % FORGET_AFTER === 0) this.gc();
  }

  /** Adds a sample; `stale` marks a staleness marker (the series left the page). */
  add(s: SeriesInfo, value: number, timeMs: number, stale: boolean, exemplar?: Exemplar): void {
    // a staleness marker keeps the family its series had: the page may no longer describe it
    if (!(stale && s.kind !== undefined) && this.outdated(s)) classify(s, this.metadata);
    const part = s.part!;
    if ((part === 'bucket' || part === 'quantile') && s.bound === undefined) {
      this.dropped++; // contrib: "'le' label on histogram metric is missing or empty"
      return;
    }
    let p = s.point;
    if (p === undefined || p.dead) {
      p = this.resolve(s);
      if (p === undefined) {
        this.dropped++;
        return;
      }
      s.point = p;
    }
    const fam = p.fam;
    if (fam.epoch !== this.epoch) {
      fam.epoch = this.epoch;
      fam.current = [];
      fam.meta = this.metadata.get(fam.name) ?? this.metadata.get(normalize(fam.name)) ?? fam.meta;
      this.active.push(fam);
    }
    if (p.epoch !== this.epoch) {
      p.epoch = this.epoch;
      p.timeMs = timeMs;
      p.hasValue = p.hasCount = p.hasSum = p.stale = false;
      p.createdSeconds = 0;
      if (p.bounds.length > 0) {
        p.bounds = [];
        p.boundValues = [];
      }
      p.exemplars = undefined;
      fam.current.push(p);
    }
    if (stale) p.stale = true;
    if (exemplar) (p.exemplars ??= []).push(exemplar);
    switch (part) {
      case 'value':
        p.value = value;
        p.hasValue = true;
        p.timeMs = timeMs;
        break;
      case 'bucket':
      case 'quantile':
        p.bounds.push(s.bound!);
        p.boundValues.push(value);
        break;
      case 'sum':
        p.sum = value;
        p.hasSum = true;
        break;
      case 'count':
        // as contrib: the point's time is its count's, the one sample every histogram has
        p.count = value;
        p.hasCount = true;
        p.timeMs = timeMs;
        break;
      case 'created':
        if (!stale) p.createdSeconds = value;
        break;
    }
  }

  /** Whether the page's metadata no longer says what `s` was classified as. */
  private outdated(s: SeriesInfo): boolean {
    if (s.classifiedFor === undefined) return true;
    if (s.metaKey !== '') return this.metadata.get(s.metaKey!)?.type !== s.classifiedFor;
    if (this.metadata.size === 0) return false;
    const base = normalize(s.name);
    return this.metadata.has(s.name) || this.metadata.has(base) || this.metadata.has(base + '_total');
  }

  private resolve(s: SeriesInfo): PointAcc | undefined {
    let fam = this.families.get(s.family!);
    if (fam !== undefined && fam.kind !== s.kind) {
      // one page with two kinds under one name: the first wins; else the family changed type
      if (fam.epoch === this.epoch) return undefined;
      for (const p of fam.points.values()) p.dead = true;
      fam = undefined;
    }
    if (fam === undefined) {
      fam = {
        name: s.family!,
        kind: s.kind!,
        monotonic: s.monotonic!,
        points: new Map(),
        current: [],
        epoch: -1,
      };
      this.families.set(s.family!, fam);
    }
    let p = fam.points.get(s.pointKey!);
    if (p === undefined) {
      p = {
        fam,
        attrs: s.attrs!,
        epoch: -1,
        dead: false,
        timeMs: 0,
        value: 0,
        hasValue: false,
        count: 0,
        hasCount: false,
        sum: 0,
        hasSum: false,
        createdSeconds: 0,
        bounds: [],
        boundValues: [],
        stale: false,
        exemplars: undefined,
        start: undefined,
        last: 0,
        lastSum: 0,
      };
      fam.points.set(s.pointKey!, p);
    }
    return p;
  }

  /** Points not filled in the last FORGET_AFTER scrapes are dropped with their start times. */
  private gc(): void {
    for (const [name, fam] of this.families) {
      for (const [key, p] of fam.points) {
        if (this.epoch - p.epoch > FORGET_AFTER) {
          p.dead = true;
          fam.points.delete(key);
        }
      }
      if (fam.points.size === 0) this.families.delete(name);
    }
  }

  private nanos(ms: number): bigint {
    // the points of a scrape share its time: one BigInt for all of them
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastNs = ns(ms);
    }
    return this.lastNs;
  }

  /** The metrics of this scrape, start times adjusted (or all `startTimeOverride`). */
  build(startTimeOverride?: bigint): Metric[] {
    const metrics: Metric[] = [];
    for (const fam of this.active) {
      const m = this.familyMetric(fam, startTimeOverride);
      if (m) metrics.push(m);
    }
    return metrics;
  }

  private familyMetric(fam: FamilyAcc, override?: bigint): Metric | undefined {
    const metric: Metric = {
      name: fam.name,
      description: fam.meta?.help ?? '',
      unit: fam.meta?.unit ?? '',
      metadata: [],
    };
    // a start time per point: _created, the start time metric, or the first time it was seen
    const start = (p: PointAcc, time: bigint, last: number, lastSum: number): bigint => {
      if (override !== undefined) return override;
      const initial = p.createdSeconds !== 0 ? nsFromSeconds(p.createdSeconds) : time;
      if (p.start === undefined) {
        p.start = initial;
        p.last = last;
        p.lastSum = lastSum;
        return initial;
      }
      if (p.stale) return p.start;
      if (last < p.last || lastSum < p.lastSum) p.start = initial; // a reset
      p.last = last;
      p.lastSum = lastSum;
      return p.start;
    };
    const flags = (p: PointAcc) => (p.stale ? NO_RECORDED_VALUE : 0);
    switch (fam.kind) {
      case 'gauge':
      case 'sum': {
        const dataPoints = [];
        const isSum = fam.kind === 'sum';
        for (const p of fam.current) {
          if (!p.hasValue && !p.stale) continue; // a lone _created
          const time = this.nanos(p.timeMs);
          dataPoints.push({
            attributes: p.attrs.slice(),
            startTimeUnixNano: isSum ? start(p, time, p.stale ? Infinity : p.value, 0) : 0n,
            timeUnixNano: time,
            asDouble: p.stale ? undefined : p.value,
            exemplars: p.exemplars ?? [],
            flags: flags(p),
          });
        }
        if (dataPoints.length === 0) return undefined;
        if (!isSum) metric.gauge = { dataPoints };
        else {
          metric.sum = {
            dataPoints,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            isMonotonic: fam.monotonic,
          };
        }
        return metric;
      }
      case 'histogram': {
        const dataPoints = [];
        for (const p of fam.current) {
          if (!p.hasCount || p.bounds.length === 0) continue;
          const order = p.bounds.map((_, i) => i).sort((a, b) => p.bounds[a] - p.bounds[b]);
          if (p.bounds[order[order.length - 1]] !== Infinity) continue; // no +Inf bucket: not a histogram
          const explicitBounds: number[] = [];
          const bucketCounts: bigint[] = [];
          let previous = 0;
          for (let i = 0; i < order.length; i++) {
            const cumulative = p.boundValues[order[i]];
            if (i < order.length - 1) explicitBounds.push(p.bounds[order[i]]);
            bucketCounts.push(p.stale ? 0n : countOf(cumulative - previous));
            previous = cumulative;
          }
          const time = this.nanos(p.timeMs);
          dataPoints.push({
            attributes: p.attrs.slice(),
            startTimeUnixNano: start(p, time, p.stale ? Infinity : p.count, p.stale ? Infinity : p.sum),
            timeUnixNano: time,
            count: p.stale ? 0n : countOf(p.count),
            sum: p.stale || !p.hasSum ? undefined : p.sum,
            bucketCounts,
            explicitBounds,
            exemplars: p.exemplars ?? [],
            flags: flags(p),
          });
        }
        if (dataPoints.length === 0) return undefined;
        metric.histogram = { dataPoints, aggregationTemporality: AggregationTemporality.CUMULATIVE };
        return metric;
      }
      case 'summary': {
        const dataPoints = [];
        for (const p of fam.current) {
          if (!p.hasCount) continue;
          const order = p.bounds.map((_, i) => i).sort((a, b) => p.bounds[a] - p.bounds[b]);
          const time = this.nanos(p.timeMs);
          dataPoints.push({
            attributes: p.attrs.slice(),
            startTimeUnixNano: start(p, time, p.stale ? Infinity : p.count, p.stale ? Infinity : p.sum),
            timeUnixNano: time,
            count: p.stale ? 0n : countOf(p.count),
            sum: p.stale || !p.hasSum ? 0 : p.sum,
            quantileValues: order.map((i) => ({ quantile: p.bounds[i], value: p.stale ? 0 : p.boundValues[i] })),
            flags: flags(p),
          });
        }
        if (dataPoints.length === 0) return undefined;
        metric.summary = { dataPoints };
        return metric;
      }
    }
  }
}

/** The resource of a target's metrics (contrib's CreateResource, with its current semconv). */
export function targetResource(job: string, instance: string, scheme: string): KeyValue[] {
  let host = instance;
  let port = '';
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(instance);
  if (m) {
    host = m[1] ?? m[2];
    port = m[3];
  }
  const attrs: KeyValue[] = [{ key: 'service.name', value: { stringValue: job } }];
  if (discernible(host)) attrs.push({ key: 'server.address', value: { stringValue: host } });
  attrs.push(
    { key: 'service.instance.id', value: { stringValue: instance } },
    { key: 'server.port', value: { stringValue: port } },
    { key: 'url.scheme', value: { stringValue: scheme } },
  );
  return attrs;
}

/** contrib's isDiscernibleHost: not loopback, not unspecified, not localhost */
function discernible(host: string): boolean {
  if (host === 'localhost' || host === '') return false;
  if (/^127\./.test(host) || host === '0.0.0.0' || host === '::1' || host === '::') return false;
  return true;
}

export function metricsOf(resource: KeyValue[], metrics: Metric[], version: string): Metrics {
  return {
    resourceMetrics: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0, entityRefs: [] },
        scopeMetrics: [
          {
            scope: { name: SCOPE_NAME, version, attributes: [], droppedAttributesCount: 0 },
            metrics,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}
