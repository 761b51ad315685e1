// Profile samples as rows of otel_profiles (flowtel's own table: contrib's exporter stores no
// profiles): one row per sample, its stack resolved through the request's dictionary into frame
// names (leaf first, as OTLP orders them), its weight the sum of its values, the link to the
// span its thread was serving as trace and span ids, and SmartEncoding's id columns as the
// other otel_* tables have them.
import type { KeyValue, Profiles, ProfilesDictionary } from '@flowtel/pdata';
import { dictString, sampleWeight, stackFrames } from '@flowtel/pdata';
import { serviceNameOf } from '../anyvalue.ts';
import {
  LowCardinalityArrayColumn,
  LowCardinalityColumn,
  StringColumn,
  StringMapColumn,
  FixedColumn,
  dateTime64,
  type NativeColumn,
} from '../native.ts';
import { BlockSink, EncodedMap, Pools, writeMap, type Block, type Limits, type TableColumns } from './block.ts';
import { IdColumns, OTEL_ID_COLUMNS, isEncoded, resourceIdRow, withoutTagAttributes } from './tag-ids.ts';

const i64Column = (name: string, n: number) => new FixedColumn(name, 'Int64', n, 8);
const u64Column = (name: string, n: number) => new FixedColumn(name, 'UInt64', n, 8);

class ProfileColumns implements TableColumns {
  rows = 0;
  readonly timestamp: FixedColumn;
  readonly profileId: StringColumn;
  readonly serviceName: LowCardinalityColumn;
  readonly resourceAttributes: StringMapColumn;
  readonly scopeName: StringColumn;
  readonly scopeVersion: LowCardinalityColumn;
  readonly sampleType: LowCardinalityColumn;
  readonly sampleUnit: LowCardinalityColumn;
  readonly periodType: LowCardinalityColumn;
  readonly periodUnit: LowCardinalityColumn;
  readonly period: FixedColumn;
  readonly duration: FixedColumn;
  readonly stack: LowCardinalityArrayColumn;
  readonly value: FixedColumn;
  readonly sampleAttributes: StringMapColumn;
  readonly traceId: StringColumn;
  readonly spanId: StringColumn;
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];

  constructor(n: number, withIds: boolean) {
    this.columns = [
      (this.timestamp = dateTime64('Timestamp', n)),
      (this.profileId = new StringColumn('ProfileId', n)),
      (this.serviceName = new LowCardinalityColumn('ServiceName', n)),
      (this.resourceAttributes = new StringMapColumn('ResourceAttributes', n)),
      (this.scopeName = new StringColumn('ScopeName', n)),
      (this.scopeVersion = new LowCardinalityColumn('ScopeVersion', n)),
      (this.sampleType = new LowCardinalityColumn('SampleType', n)),
      (this.sampleUnit = new LowCardinalityColumn('SampleUnit', n)),
      (this.periodType = new LowCardinalityColumn('PeriodType', n)),
      (this.periodUnit = new LowCardinalityColumn('PeriodUnit', n)),
      (this.period = i64Column('Period', n)),
      (this.duration = u64Column('DurationNano', n)),
      (this.stack = new LowCardinalityArrayColumn('Stack', n)),
      (this.value = i64Column('Value', n)),
      (this.sampleAttributes = new StringMapColumn('SampleAttributes', n)),
      (this.traceId = new StringColumn('TraceId', n)),
      (this.spanId = new StringColumn('SpanId', n)),
    ];
    if (withIds) this.columns.push(...(this.ids = new IdColumns(OTEL_ID_COLUMNS, n)).columns);
  }
}

/** A sample's or profile's attributes (indices into the dictionary) as key/value pairs. */
function attributesOf(d: ProfilesDictionary, indices: number[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const i of indices) {
    const a = d.attributeTable[i];
    if (a !== undefined && i !== 0) out.push({ key: dictString(d, a.keyStrindex), value: a.value });
  }
  return out;
}

/** `withIds`: the block has SmartEncoding's id columns. */
export function encodeProfiles(
  profiles: Profiles,
  table: string,
  limits: Limits,
  rowsHint: number,
  pools = new Pools(),
  withIds = false,
): Block[] {
  const d = profiles.dictionary;
  const pool = pools.get(`profiles:${table}:${withIds}`, (n) => new ProfileColumns(n, withIds));
  const sink = new BlockSink(table, pool, limits, rowsHint);
  for (const rp of profiles.resourceProfiles) {
    const attributes = rp.resource.attributes;
    const encoded = withIds && isEncoded(attributes);
    const resource = new EncodedMap(encoded ? withoutTagAttributes(attributes) : attributes);
    const ids = withIds ? resourceIdRow(attributes) : undefined;
    const service = serviceNameOf(attributes);
    for (const sp of rp.scopeProfiles) {
      for (const p of sp.profiles) {
        const profileAttributes = attributesOf(d, p.attributeIndices);
        for (const s of p.samples) {
          const c = sink.current;
          c.timestamp.w.i64(s.timestampsUnixNano[0] ?? p.timeUnixNano);
          c.profileId.w.hexId(p.profileId);
          c.serviceName.w.string(service);
          resource.writeTo(c.resourceAttributes);
          c.scopeName.w.string(sp.scope.name);
          c.scopeVersion.w.string(sp.scope.version);
          c.sampleType.w.string(dictString(d, p.sampleType.typeStrindex));
          c.sampleUnit.w.string(dictString(d, p.sampleType.unitStrindex));
          c.periodType.w.string(dictString(d, p.periodType.typeStrindex));
          c.periodUnit.w.string(dictString(d, p.periodType.unitStrindex));
          c.period.w.i64(p.period);
          c.duration.w.i64(p.durationNano);
          const frames = stackFrames(d, s.stackIndex);
          for (const f of frames) c.stack.items.string(f);
          c.stack.endRow(frames.length);
          c.value.w.i64(sampleWeight(s));
          writeMap(c.sampleAttributes, [...profileAttributes, ...attributesOf(d, s.attributeIndices)]);
          const link = s.linkIndex !== 0 ? d.linkTable[s.linkIndex] : undefined;
          c.traceId.w.hexId(link?.traceId ?? new Uint8Array(0));
          c.spanId.w.hexId(link?.spanId ?? new Uint8Array(0));
          if (ids) c.ids!.write(ids);
          sink.rowDone();
        }
      }
    }
  }
  return sink.blocks();
}
