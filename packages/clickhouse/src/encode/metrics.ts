// Data points as rows of the five otel_metrics_* tables, as the contrib exporter inserts them:
// the columns every metric table shares, then each type's own.
import type {
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
} from '@flowtel/pdata';
import { serviceNameOf } from '../anyvalue.ts';
import {
  ArrayColumn,
  LowCardinalityColumn,
  MapArrayColumn,
  StringColumn,
  StringMapColumn,
  dateTime64,
  f64,
  i32,
  u32,
  u64,
  bool,
  type FixedColumn,
  type NativeColumn,
} from '../native.ts';
import { BlockSink, EncodedMap, Pools, writeMap, type Block, type Limits, type TableColumns } from './block.ts';
import { IdColumns, OTEL_ID_COLUMNS, isEncoded, resourceIdRow, withoutTagAttributes } from './tag-ids.ts';

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

interface PointBase {
  attributes: NumberDataPoint['attributes'];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

class Shared {
  readonly resourceAttributes: StringMapColumn;
  readonly resourceSchemaUrl: StringColumn;
  readonly scopeName: StringColumn;
  readonly scopeVersion: StringColumn;
  readonly scopeAttributes: StringMapColumn;
  readonly scopeDroppedAttrCount: FixedColumn;
  readonly scopeSchemaUrl: StringColumn;
  readonly serviceName: LowCardinalityColumn;
  readonly metricName: StringColumn;
  readonly metricDescription: StringColumn;
  readonly metricUnit: StringColumn;
  readonly attributes: StringMapColumn;
  readonly startTimeUnix: FixedColumn;
  readonly timeUnix: FixedColumn;
  readonly flags: FixedColumn;
  readonly columns: NativeColumn[];

  constructor(n: number) {
    this.columns = [
      (this.resourceAttributes = new StringMapColumn('ResourceAttributes', n)),
      (this.resourceSchemaUrl = new StringColumn('ResourceSchemaUrl', n)),
      (this.scopeName = new StringColumn('ScopeName', n)),
      (this.scopeVersion = new StringColumn('ScopeVersion', n)),
      (this.scopeAttributes = new StringMapColumn('ScopeAttributes', n)),
      (this.scopeDroppedAttrCount = u32('ScopeDroppedAttrCount', n)),
      (this.scopeSchemaUrl = new StringColumn('ScopeSchemaUrl', n)),
      (this.serviceName = new LowCardinalityColumn('ServiceName', n)),
      (this.metricName = new StringColumn('MetricName', n)),
      (this.metricDescription = new StringColumn('MetricDescription', n)),
      (this.metricUnit = new StringColumn('MetricUnit', n)),
      (this.attributes = new StringMapColumn('Attributes', n)),
      (this.startTimeUnix = dateTime64('StartTimeUnix', n)),
      (this.timeUnix = dateTime64('TimeUnix', n)),
      (this.flags = u32('Flags', n)),
    ];
  }
}

class Exemplars {
  readonly filteredAttributes: MapArrayColumn;
  readonly timeUnix: ArrayColumn;
  readonly value: ArrayColumn;
  readonly spanId: ArrayColumn;
  readonly traceId: ArrayColumn;
  readonly columns: NativeColumn[];

  constructor(n: number) {
    this.columns = [
      (this.filteredAttributes = new MapArrayColumn('Exemplars.FilteredAttributes', n)),
      (this.timeUnix = new ArrayColumn('Exemplars.TimeUnix', 'DateTime64(9)', n)),
      (this.value = new ArrayColumn('Exemplars.Value', 'Float64', n)),
      (this.spanId = new ArrayColumn('Exemplars.SpanId', 'String', n)),
      (this.traceId = new ArrayColumn('Exemplars.TraceId', 'String', n)),
    ];
  }

  write(exemplars: Exemplar[]): void {
    for (const e of exemplars) {
      writeMap(this.filteredAttributes.maps, e.filteredAttributes);
      this.timeUnix.items.i64(e.timeUnixNano);
      this.value.items.f64(e.asDouble ?? Number(e.asInt ?? 0n));
      this.spanId.items.hexId(e.spanId);
      this.traceId.items.hexId(e.traceId);
    }
    for (const c of [this.filteredAttributes, this.timeUnix, this.value, this.spanId, this.traceId])
      c.endRow(exemplars.length);
  }
}

/** The columns of one metric table: the shared ones and the type's own. */
class MetricColumns implements TableColumns {
  rows = 0;
  readonly shared: Shared;
  readonly own: Record<string, FixedColumn | ArrayColumn>;
  readonly exemplars?: Exemplars;
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];

  constructor(n: number, kind: MetricKind, withIds: boolean) {
    this.shared = new Shared(n);
    this.own = ownColumns(kind, n);
    if (kind !== 'summary') this.exemplars = new Exemplars(n);
    if (withIds) this.ids = new IdColumns(OTEL_ID_COLUMNS, n);
    this.columns = [
      ...this.shared.columns,
      ...Object.values(this.own),
      ...(this.exemplars?.columns ?? []),
      ...(this.ids?.columns ?? []),
    ];
  }
}

function ownColumns(kind: MetricKind, n: number): Record<string, FixedColumn | ArrayColumn> {
  switch (kind) {
    case 'gauge':
      return { Value: f64('Value', n) };
    case 'sum':
      return {
        Value: f64('Value', n),
        AggregationTemporality: i32('AggregationTemporality', n),
        IsMonotonic: bool('IsMonotonic', n),
      };
    case 'histogram':
      return {
        Count: u64('Count', n),
        Sum: f64('Sum', n),
        BucketCounts: new ArrayColumn('BucketCounts', 'UInt64', n),
        ExplicitBounds: new ArrayColumn('ExplicitBounds', 'Float64', n),
        Min: f64('Min', n),
        Max: f64('Max', n),
        AggregationTemporality: i32('AggregationTemporality', n),
      };
    case 'exponential_histogram':
      return {
        Count: u64('Count', n),
        Sum: f64('Sum', n),
        Scale: i32('Scale', n),
        ZeroCount: u64('ZeroCount', n),
        PositiveOffset: i32('PositiveOffset', n),
        PositiveBucketCounts: new ArrayColumn('PositiveBucketCounts', 'UInt64', n),
        NegativeOffset: i32('NegativeOffset', n),
        NegativeBucketCounts: new ArrayColumn('NegativeBucketCounts', 'UInt64', n),
        Min: f64('Min', n),
        Max: f64('Max', n),
        AggregationTemporality: i32('AggregationTemporality', n),
      };
    case 'summary':
      return {
        Count: u64('Count', n),
        Sum: f64('Sum', n),
        'ValueAtQuantiles.Quantile': new ArrayColumn('ValueAtQuantiles.Quantile', 'Float64', n),
        'ValueAtQuantiles.Value': new ArrayColumn('ValueAtQuantiles.Value', 'Float64', n),
      };
  }
}

const fixed = (c: MetricColumns, name: string) => c.own[name] as FixedColumn;
const array = (c: MetricColumns, name: string) => c.own[name] as ArrayColumn;

function writeU64s(col: ArrayColumn, values: bigint[]): void {
  for (const v of values) col.items.u64(v);
  col.endRow(values.length);
}

function writeF64s(col: ArrayColumn, values: number[]): void {
  for (const v of values) col.items.f64(v);
  col.endRow(values.length);
}

/** The columns both histogram tables have. */
function writeHistogramShared(
  c: MetricColumns,
  dp: HistogramDataPoint | ExponentialHistogramDataPoint,
  temporality: number,
): void {
  fixed(c, 'Count').w.u64(dp.count);
  fixed(c, 'Sum').w.f64(dp.sum ?? 0);
  fixed(c, 'Min').w.f64(dp.min ?? 0);
  fixed(c, 'Max').w.f64(dp.max ?? 0);
  fixed(c, 'AggregationTemporality').w.i32(temporality);
  c.exemplars!.write(dp.exemplars);
}

function writeOwn(c: MetricColumns, kind: MetricKind, p: unknown, temporality: number, monotonic: boolean): void {
  switch (kind) {
    case 'gauge':
    case 'sum': {
      const dp = p as NumberDataPoint;
      fixed(c, 'Value').w.f64(dp.asDouble ?? Number(dp.asInt ?? 0n));
      if (kind === 'sum') {
        fixed(c, 'AggregationTemporality').w.i32(temporality);
        fixed(c, 'IsMonotonic').w.u8(monotonic ? 1 : 0);
      }
      c.exemplars!.write(dp.exemplars);
      return;
    }
    case 'histogram': {
      const dp = p as HistogramDataPoint;
      writeU64s(array(c, 'BucketCounts'), dp.bucketCounts);
      writeF64s(array(c, 'ExplicitBounds'), dp.explicitBounds);
      writeHistogramShared(c, dp, temporality);
      return;
    }
    case 'exponential_histogram': {
      const dp = p as ExponentialHistogramDataPoint;
      fixed(c, 'Scale').w.i32(dp.scale);
      fixed(c, 'ZeroCount').w.u64(dp.zeroCount);
      fixed(c, 'PositiveOffset').w.i32(dp.positive.offset);
      writeU64s(array(c, 'PositiveBucketCounts'), dp.positive.bucketCounts);
      fixed(c, 'NegativeOffset').w.i32(dp.negative.offset);
      writeU64s(array(c, 'NegativeBucketCounts'), dp.negative.bucketCounts);
      writeHistogramShared(c, dp, temporality);
      return;
    }
    case 'summary': {
      const dp = p as SummaryDataPoint;
      fixed(c, 'Count').w.u64(dp.count);
      fixed(c, 'Sum').w.f64(dp.sum);
      writeF64s(
        array(c, 'ValueAtQuantiles.Quantile'),
        dp.quantileValues.map((q) => q.quantile),
      );
      writeF64s(
        array(c, 'ValueAtQuantiles.Value'),
        dp.quantileValues.map((q) => q.value),
      );
    }
  }
}

export const METRIC_KINDS: MetricKind[] = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'];

/** `withIds`: the blocks have SmartEncoding's id columns (some resource of the batch is encoded). */
export function encodeMetrics(
  metrics: Metrics,
  tables: Record<MetricKind, string>,
  limits: Limits,
  rowsHint: number,
  pools = new Pools(),
  withIds = false,
): Block[] {
  const sinks = new Map<MetricKind, BlockSink<MetricColumns>>();
  const sinkFor = (kind: MetricKind) => {
    let s = sinks.get(kind);
    if (!s) {
      const pool = pools.get(`${kind}:${tables[kind]}:${withIds}`, (n) => new MetricColumns(n, kind, withIds));
      sinks.set(kind, (s = new BlockSink(tables[kind], pool, limits, rowsHint)));
    }
    return s;
  };
  for (const rm of metrics.resourceMetrics) {
    const attributes = rm.resource.attributes;
    const resource = new EncodedMap(withIds && isEncoded(attributes) ? withoutTagAttributes(attributes) : attributes);
    const ids = withIds ? resourceIdRow(attributes) : undefined;
    const service = serviceNameOf(attributes);
    for (const sm of rm.scopeMetrics) {
      const scopeAttributes = new EncodedMap(sm.scope.attributes);
      for (const m of sm.metrics) {
        const [kind, data] = metricData(m);
        if (!kind) continue;
        const sink = sinkFor(kind);
        const temporality = data.aggregationTemporality ?? 0;
        const monotonic = data.isMonotonic ?? false;
        for (const p of data.dataPoints as PointBase[]) {
          const c = sink.current;
          const s = c.shared;
          resource.writeTo(s.resourceAttributes);
          s.resourceSchemaUrl.w.string(rm.schemaUrl);
          s.scopeName.w.string(sm.scope.name);
          s.scopeVersion.w.string(sm.scope.version);
          scopeAttributes.writeTo(s.scopeAttributes);
          s.scopeDroppedAttrCount.w.u32(sm.scope.droppedAttributesCount);
          s.scopeSchemaUrl.w.string(sm.schemaUrl);
          s.serviceName.w.string(service);
          s.metricName.w.string(m.name);
          s.metricDescription.w.string(m.description);
          s.metricUnit.w.string(m.unit);
          writeMap(s.attributes, p.attributes);
          s.startTimeUnix.w.i64(p.startTimeUnixNano);
          s.timeUnix.w.i64(p.timeUnixNano);
          s.flags.w.u32(p.flags);
          writeOwn(c, kind, p, temporality, monotonic);
          if (ids) c.ids!.write(ids);
          sink.rowDone();
        }
      }
    }
  }
  return [...sinks.values()].flatMap((s) => s.blocks());
}

type MetricData = { dataPoints: unknown[]; aggregationTemporality?: number; isMonotonic?: boolean };

function metricData(
  m: Metrics['resourceMetrics'][number]['scopeMetrics'][number]['metrics'][number],
): [MetricKind | undefined, MetricData] {
  if (m.gauge) return ['gauge', m.gauge];
  if (m.sum) return ['sum', m.sum];
  if (m.histogram) return ['histogram', m.histogram];
  if (m.exponentialHistogram) return ['exponential_histogram', m.exponentialHistogram];
  if (m.summary) return ['summary', m.summary];
  return [undefined, { dataPoints: [] }];
}
