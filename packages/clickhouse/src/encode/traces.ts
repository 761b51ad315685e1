// Spans as rows of otel_traces, column for column as the contrib exporter inserts them.
import type { Traces } from '@flowtel/pdata';
import { serviceNameOf } from '../anyvalue.ts';
import {
  ArrayColumn,
  LowCardinalityArrayColumn,
  LowCardinalityColumn,
  MapArrayColumn,
  StringColumn,
  StringMapColumn,
  dateTime64,
  u64,
  type FixedColumn,
  type NativeColumn,
} from '../native.ts';
import { BlockSink, EncodedMap, Pools, writeMap, type Block, type Limits, type TableColumns } from './block.ts';
import { IdColumns, OTEL_ID_COLUMNS, isEncoded, resourceIdRow, withoutTagAttributes } from './tag-ids.ts';

/** pdata's SpanKind.String() and StatusCode.String(), what contrib stores and dashboards filter on. */
export const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
export const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'];

class SpanColumns implements TableColumns {
  rows = 0;
  readonly timestamp: FixedColumn;
  readonly traceId: StringColumn;
  readonly spanId: StringColumn;
  readonly parentSpanId: StringColumn;
  readonly traceState: StringColumn;
  readonly spanName: LowCardinalityColumn;
  readonly spanKind: LowCardinalityColumn;
  readonly serviceName: LowCardinalityColumn;
  readonly resourceAttributes: StringMapColumn;
  readonly scopeName: StringColumn;
  readonly scopeVersion: StringColumn;
  readonly spanAttributes: StringMapColumn;
  readonly duration: FixedColumn;
  readonly statusCode: LowCardinalityColumn;
  readonly statusMessage: StringColumn;
  readonly eventsTimestamp: ArrayColumn;
  readonly eventsName: LowCardinalityArrayColumn;
  readonly eventsAttributes: MapArrayColumn;
  readonly linksTraceId: ArrayColumn;
  readonly linksSpanId: ArrayColumn;
  readonly linksTraceState: ArrayColumn;
  readonly linksAttributes: MapArrayColumn;
  readonly ids?: IdColumns;
  readonly columns: NativeColumn[];

  constructor(n: number, withIds: boolean) {
    this.columns = [
      (this.timestamp = dateTime64('Timestamp', n)),
      (this.traceId = new StringColumn('TraceId', n)),
      (this.spanId = new StringColumn('SpanId', n)),
      (this.parentSpanId = new StringColumn('ParentSpanId', n)),
      (this.traceState = new StringColumn('TraceState', n)),
      (this.spanName = new LowCardinalityColumn('SpanName', n)),
      (this.spanKind = new LowCardinalityColumn('SpanKind', n)),
      (this.serviceName = new LowCardinalityColumn('ServiceName', n)),
      (this.resourceAttributes = new StringMapColumn('ResourceAttributes', n)),
      (this.scopeName = new StringColumn('ScopeName', n)),
      (this.scopeVersion = new StringColumn('ScopeVersion', n)),
      (this.spanAttributes = new StringMapColumn('SpanAttributes', n)),
      (this.duration = u64('Duration', n)),
      (this.statusCode = new LowCardinalityColumn('StatusCode', n)),
      (this.statusMessage = new StringColumn('StatusMessage', n)),
      (this.eventsTimestamp = new ArrayColumn('Events.Timestamp', 'DateTime64(9)', n)),
      (this.eventsName = new LowCardinalityArrayColumn('Events.Name', n)),
      (this.eventsAttributes = new MapArrayColumn('Events.Attributes', n)),
      (this.linksTraceId = new ArrayColumn('Links.TraceId', 'String', n)),
      (this.linksSpanId = new ArrayColumn('Links.SpanId', 'String', n)),
      (this.linksTraceState = new ArrayColumn('Links.TraceState', 'String', n)),
      (this.linksAttributes = new MapArrayColumn('Links.Attributes', n)),
    ];
    if (withIds) this.columns.push(...(this.ids = new IdColumns(OTEL_ID_COLUMNS, n)).columns);
  }
}

/** `withIds`: the block has SmartEncoding's id columns (some resource of the batch is encoded). */
export function encodeTraces(
  traces: Traces,
  table: string,
  limits: Limits,
  rowsHint: number,
  pools = new Pools(),
  withIds = false,
): Block[] {
  const sink = new BlockSink(
    table,
    pools.get(`traces:${table}:${withIds}`, (n) => new SpanColumns(n, withIds)),
    limits,
    rowsHint,
  );
  for (const rs of traces.resourceSpans) {
    const attributes = rs.resource.attributes;
    const resource = new EncodedMap(withIds && isEncoded(attributes) ? withoutTagAttributes(attributes) : attributes);
    const ids = withIds ? resourceIdRow(attributes) : undefined;
    const service = serviceNameOf(rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      const { name: scopeName, version: scopeVersion } = ss.scope;
      for (const span of ss.spans) {
        const c = sink.current;
        c.timestamp.w.i64(span.startTimeUnixNano);
        c.traceId.w.hexId(span.traceId);
        c.spanId.w.hexId(span.spanId);
        c.parentSpanId.w.hexId(span.parentSpanId);
        c.traceState.w.string(span.traceState);
        c.spanName.w.string(span.name);
        c.spanKind.w.string(SPAN_KIND_NAMES[span.kind] ?? '');
        c.serviceName.w.string(service);
        resource.writeTo(c.resourceAttributes);
        c.scopeName.w.string(scopeName);
        c.scopeVersion.w.string(scopeVersion);
        writeMap(c.spanAttributes, span.attributes);
        const d = span.endTimeUnixNano - span.startTimeUnixNano;
        c.duration.w.u64(d > 0n ? d : 0n);
        c.statusCode.w.string(STATUS_CODE_NAMES[span.status.code] ?? '');
        c.statusMessage.w.string(span.status.message);
        for (const e of span.events) {
          c.eventsTimestamp.items.i64(e.timeUnixNano);
          c.eventsName.items.string(e.name);
          writeMap(c.eventsAttributes.maps, e.attributes);
        }
        c.eventsTimestamp.endRow(span.events.length);
        c.eventsName.endRow(span.events.length);
        c.eventsAttributes.endRow(span.events.length);
        for (const l of span.links) {
          c.linksTraceId.items.hexId(l.traceId);
          c.linksSpanId.items.hexId(l.spanId);
          c.linksTraceState.items.string(l.traceState);
          writeMap(c.linksAttributes.maps, l.attributes);
        }
        c.linksTraceId.endRow(span.links.length);
        c.linksSpanId.endRow(span.links.length);
        c.linksTraceState.endRow(span.links.length);
        c.linksAttributes.endRow(span.links.length);
        if (ids) c.ids!.write(ids);
        sink.rowDone();
      }
    }
  }
  return sink.blocks();
}
