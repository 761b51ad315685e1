// Log records as rows of otel_logs, as the contrib exporter inserts them. EventName is a newer
// column: it is sent only when the table has it (contrib detects it with DESC TABLE).
import type { ScopeLogs, Logs } from '@flowtel/pdata';
import { anyValueString, serviceNameOf } from '../anyvalue.ts';
import {
  LowCardinalityColumn,
  StringColumn,
  StringMapColumn,
  dateTime64,
  u8,
  type FixedColumn,
  type NativeColumn,
} from '../native.ts';
import { BlockSink, EncodedMap, Pools, writeMap, type Block, type Limits, type TableColumns } from './block.ts';
import { IdColumns, OTEL_ID_COLUMNS, isEncoded, resourceIdRow, withoutTagAttributes } from './tag-ids.ts';

class LogColumns implements TableColumns {
  rows = 0;
  readonly timestamp: FixedColumn;
  readonly traceId: StringColumn;
  readonly spanId: StringColumn;
  readonly traceFlags: FixedColumn;
  readonly severityText: LowCardinalityColumn;
  readonly severityNumber: FixedColumn;
  readonly serviceName: LowCardinalityColumn;
  readonly body: StringColumn;
  readonly resourceSchemaUrl: LowCardinalityColumn;
  readonly resourceAttributes: StringMapColumn;
  readonly scopeSchemaUrl: LowCardinalityColumn;
  readonly scopeName: StringColumn;
  readonly scopeVersion: LowCardinalityColumn;
  readonly scopeAttributes: StringMapColumn;
  readonly logAttributes: StringMapColumn;
  readonly eventName?: StringColumn;
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];

  constructor(n: number, withEventName: boolean, withIds: boolean) {
    this.columns = [
      (this.timestamp = dateTime64('Timestamp', n)),
      (this.traceId = new StringColumn('TraceId', n)),
      (this.spanId = new StringColumn('SpanId', n)),
      (this.traceFlags = u8('TraceFlags', n)),
      (this.severityText = new LowCardinalityColumn('SeverityText', n)),
      (this.severityNumber = u8('SeverityNumber', n)),
      (this.serviceName = new LowCardinalityColumn('ServiceName', n)),
      (this.body = new StringColumn('Body', n)),
      (this.resourceSchemaUrl = new LowCardinalityColumn('ResourceSchemaUrl', n)),
      (this.resourceAttributes = new StringMapColumn('ResourceAttributes', n)),
      (this.scopeSchemaUrl = new LowCardinalityColumn('ScopeSchemaUrl', n)),
      (this.scopeName = new StringColumn('ScopeName', n)),
      (this.scopeVersion = new LowCardinalityColumn('ScopeVersion', n)),
      (this.scopeAttributes = new StringMapColumn('ScopeAttributes', n)),
      (this.logAttributes = new StringMapColumn('LogAttributes', n)),
    ];
    if (withEventName) this.columns.push((this.eventName = new StringColumn('EventName', n)));
    if (withIds) this.columns.push(...(this.ids = new IdColumns(OTEL_ID_COLUMNS, n)).columns);
  }
}

export interface LogsTableFeatures {
  eventName: boolean;
}

/** Encodes the scopes `keep` accepts; `withIds`: the block has SmartEncoding's id columns. */
export function encodeLogs(
  logs: Logs,
  table: string,
  features: LogsTableFeatures,
  limits: Limits,
  rowsHint: number,
  keep: (scope: ScopeLogs) => boolean,
  pools = new Pools(),
  withIds = false,
): Block[] {
  const pool = pools.get(
    `logs:${table}:${features.eventName}:${withIds}`,
    (n) => new LogColumns(n, features.eventName, withIds),
  );
  const sink = new BlockSink(table, pool, limits, rowsHint);
  for (const rl of logs.resourceLogs) {
    const attributes = rl.resource.attributes;
    const encoded = withIds && isEncoded(attributes);
    const resource = new EncodedMap(encoded ? withoutTagAttributes(attributes) : attributes);
    const ids = withIds ? resourceIdRow(attributes) : undefined;
    const service = serviceNameOf(rl.resource.attributes);
    for (const sl of rl.scopeLogs) {
      if (!keep(sl)) continue;
      const scopeAttributes = new EncodedMap(sl.scope.attributes);
      for (const r of sl.logRecords) {
        const c = sink.current;
        c.timestamp.w.i64(r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano);
        c.traceId.w.hexId(r.traceId);
        c.spanId.w.hexId(r.spanId);
        c.traceFlags.w.u8(r.flags & 0xff);
        c.severityText.w.string(r.severityText);
        c.severityNumber.w.u8(r.severityNumber & 0xff);
        c.serviceName.w.string(service);
        c.body.w.string('stringValue' in r.body ? r.body.stringValue : anyValueString(r.body));
        c.resourceSchemaUrl.w.string(rl.schemaUrl);
        resource.writeTo(c.resourceAttributes);
        c.scopeSchemaUrl.w.string(sl.schemaUrl);
        c.scopeName.w.string(sl.scope.name);
        c.scopeVersion.w.string(sl.scope.version);
        scopeAttributes.writeTo(c.scopeAttributes);
        writeMap(c.logAttributes, encoded ? withoutTagAttributes(r.attributes) : r.attributes);
        c.eventName?.w.string(r.eventName);
        if (ids) c.ids!.write(ids);
        sink.rowDone();
      }
    }
  }
  return sink.blocks();
}
