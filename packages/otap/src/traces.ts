// Traces as OTAP tables and back: SPANS (the root, with the resource and scope as struct
// columns), SPAN_EVENTS, SPAN_LINKS and the five attribute tables, related by ids (otel-arrow's
// data model and OTAP specification, section 5.2). Ids are delta encoded; SPAN_EVENTS.parent_id
// is quasi-delta encoded against the previous row's name, SPAN_LINKS.parent_id against its
// trace_id. Events and links keep their order within a span (a parent id that goes back is a
// delta that wraps, as the reference decoder's unsigned sum does); attributes are sorted, as the
// reference encoder sorts them.
import { DurationNanosecond, Int32, TimestampNanosecond, Uint16, Uint32, type RecordBatch } from 'apache-arrow';
import type { KeyValue, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, Traces } from '@flowtel/pdata';
import { AttributesBuilder, readAttributes } from './attributes.ts';
import {
  type Column,
  bigints,
  child,
  column,
  dictUtf8s,
  fixedBinaries,
  int64At,
  ints,
  numberAt,
  struct,
  utf8s,
  valueAt,
} from './columns.ts';
import { PayloadType } from './proto.ts';

/** The most spans one SPANS table can hold: its `id` column is a u16. */
export const MAX_SPANS_PER_BATCH = 0x10000;

export type OtapTables = Map<number, { columns: Column[]; length: number }>;

const EMPTY = new Uint8Array(0);

function deltaU16(values: number[]): Uint16Array {
  const out = new Uint16Array(values.length);
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = (values[i] - prev) & 0xffff;
    prev = values[i];
  }
  return out;
}

/** Optional numeric column: present only when some row differs from zero. */
function optionalU32(name: string, values: number[], out: Column[]): void {
  if (values.some((v) => v !== 0)) out.push(column(name, ints(new Uint32(), Uint32Array.from(values)), true));
}

export function tracesToTables(traces: Traces): OtapTables {
  const tables: OtapTables = new Map();
  const resourceAttrs = new AttributesBuilder();
  const scopeAttrs = new AttributesBuilder();
  const spanAttrs = new AttributesBuilder();
  const eventAttrs = new AttributesBuilder();
  const linkAttrs = new AttributesBuilder();

  const resourceIds: number[] = [];
  const resourceSchemaUrls: string[] = [];
  const resourceDropped: number[] = [];
  const scopeIds: number[] = [];
  const scopeNames: string[] = [];
  const scopeVersions: string[] = [];
  const scopeDropped: number[] = [];
  const schemaUrls: string[] = [];
  const spans: Span[] = [];

  let resourceId = 0;
  let scopeId = 0;
  for (const rs of traces.resourceSpans) {
    let used = false;
    for (const ss of rs.scopeSpans) {
      if (ss.spans.length === 0) continue;
      used = true;
      for (const span of ss.spans) {
        resourceIds.push(resourceId);
        resourceSchemaUrls.push(rs.schemaUrl);
        resourceDropped.push(rs.resource.droppedAttributesCount);
        scopeIds.push(scopeId);
        scopeNames.push(ss.scope.name);
        scopeVersions.push(ss.scope.version);
        scopeDropped.push(ss.scope.droppedAttributesCount);
        schemaUrls.push(ss.schemaUrl);
        spans.push(span);
      }
      scopeAttrs.add(scopeId, ss.scope.attributes);
      scopeId++;
    }
    if (used) {
      resourceAttrs.add(resourceId, rs.resource.attributes);
      resourceId++;
    }
  }
  const n = spans.length;
  if (n === 0) return tables;
  if (n > MAX_SPANS_PER_BATCH) throw new RangeError(`${n} spans exceed the ${MAX_SPANS_PER_BATCH} a SPANS table holds`);

  const starts = new BigInt64Array(n);
  const durations = new BigInt64Array(n);
  const ids = new Uint16Array(n);
  const events: { parent: number; event: SpanEvent }[] = [];
  const links: { parent: number; link: SpanLink }[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    ids[i] = i === 0 ? 0 : 1;
    starts[i] = s.startTimeUnixNano;
    durations[i] = s.endTimeUnixNano - s.startTimeUnixNano;
    spanAttrs.add(i, s.attributes);
    for (const event of s.events) events.push({ parent: i, event });
    for (const link of s.links) links.push({ parent: i, link });
  }

  const resourceColumns = [column('id', ints(new Uint16(), deltaU16(resourceIds)), true)];
  if (resourceSchemaUrls.some((u) => u !== ''))
    resourceColumns.push(column('schema_url', dictUtf8s(resourceSchemaUrls, 10), true));
  optionalU32('dropped_attributes_count', resourceDropped, resourceColumns);
  const scopeColumns = [column('id', ints(new Uint16(), deltaU16(scopeIds)), true)];
  if (scopeNames.some((s) => s !== '')) scopeColumns.push(column('name', dictUtf8s(scopeNames, 11), true));
  if (scopeVersions.some((s) => s !== '')) scopeColumns.push(column('version', dictUtf8s(scopeVersions, 12), true));
  optionalU32('dropped_attributes_count', scopeDropped, scopeColumns);

  const cols: Column[] = [
    column('id', ints(new Uint16(), ids), true),
    column('resource', struct(resourceColumns, n), true),
    column('scope', struct(scopeColumns, n), true),
  ];
  if (schemaUrls.some((u) => u !== '')) cols.push(column('schema_url', utf8s(schemaUrls), true));
  cols.push(
    column('start_time_unix_nano', bigints(new TimestampNanosecond(), starts), false),
    column('duration_time_unix_nano', bigints(new DurationNanosecond(), durations), false),
    column(
      'trace_id',
      fixedBinaries(
        16,
        spans.map((s) => s.traceId),
        true,
      ),
      false,
    ),
    column(
      'span_id',
      fixedBinaries(
        8,
        spans.map((s) => s.spanId),
        true,
      ),
      false,
    ),
  );
  if (spans.some((s) => s.traceState !== ''))
    cols.push(column('trace_state', utf8s(spans.map((s) => s.traceState)), true));
  if (spans.some((s) => s.parentSpanId.length > 0))
    cols.push(
      column(
        'parent_span_id',
        fixedBinaries(
          8,
          spans.map((s) => s.parentSpanId),
        ),
        true,
      ),
    );
  cols.push(column('name', utf8s(spans.map((s) => s.name)), false));
  if (spans.some((s) => s.kind !== 0))
    cols.push(
      column(
        'kind',
        ints(
          new Int32(),
          Int32Array.from(spans, (s) => s.kind),
        ),
        true,
      ),
    );
  optionalU32(
    'dropped_attributes_count',
    spans.map((s) => s.droppedAttributesCount),
    cols,
  );
  optionalU32(
    'dropped_events_count',
    spans.map((s) => s.droppedEventsCount),
    cols,
  );
  optionalU32(
    'dropped_links_count',
    spans.map((s) => s.droppedLinksCount),
    cols,
  );
  const hasStatus = (s: Span) => s.status.code !== 0 || s.status.message !== '';
  if (spans.some(hasStatus)) {
    const statusColumns = [
      column(
        'code',
        ints(
          new Int32(),
          Int32Array.from(spans, (s) => s.status.code),
        ),
        true,
      ),
    ];
    if (spans.some((s) => s.status.message !== ''))
      statusColumns.push(
        column(
          'status_message',
          dictUtf8s(
            spans.map((s) => s.status.message),
            13,
          ),
          true,
        ),
      );
    cols.push(
      column(
        'status',
        struct(statusColumns, n, (i) => hasStatus(spans[i])),
        true,
      ),
    );
  }
  optionalU32(
    'flags',
    spans.map((s) => s.flags),
    cols,
  );
  tables.set(PayloadType.SPANS, { columns: cols, length: n });

  if (events.length > 0) {
    const ev: Column[] = [];
    const m = events.length;
    const eventIds = new Uint32Array(m);
    const parents = new Uint16Array(m);
    const times = new BigInt64Array(m);
    for (let i = 0; i < m; i++) {
      const { parent, event } = events[i];
      eventIds[i] = i === 0 ? 0 : 1;
      const prev = i > 0 ? events[i - 1] : undefined;
      parents[i] = prev && prev.event.name === event.name ? (parent - prev.parent) & 0xffff : parent;
      times[i] = event.timeUnixNano;
      eventAttrs.add(i, event.attributes);
    }
    ev.push(
      column('id', ints(new Uint32(), eventIds), true),
      column('parent_id', ints(new Uint16(), parents), false),
      column('time_unix_nano', bigints(new TimestampNanosecond(), times), true),
      column(
        'name',
        dictUtf8s(
          events.map((e) => e.event.name),
          20,
        ),
        false,
      ),
    );
    optionalU32(
      'dropped_attributes_count',
      events.map((e) => e.event.droppedAttributesCount),
      ev,
    );
    tables.set(PayloadType.SPAN_EVENTS, { columns: ev, length: m });
  }

  if (links.length > 0) {
    const lk: Column[] = [];
    const m = links.length;
    const linkIds = new Uint32Array(m);
    const parents = new Uint16Array(m);
    for (let i = 0; i < m; i++) {
      const { parent, link } = links[i];
      linkIds[i] = i === 0 ? 0 : 1;
      const prev = i > 0 ? links[i - 1] : undefined;
      parents[i] = prev && sameId(prev.link.traceId, link.traceId) ? (parent - prev.parent) & 0xffff : parent;
      linkAttrs.add(i, link.attributes);
    }
    lk.push(
      column('id', ints(new Uint32(), linkIds), true),
      column('parent_id', ints(new Uint16(), parents), false),
      column(
        'trace_id',
        fixedBinaries(
          16,
          links.map((l) => l.link.traceId),
        ),
        true,
      ),
      column(
        'span_id',
        fixedBinaries(
          8,
          links.map((l) => l.link.spanId),
        ),
        true,
      ),
    );
    if (links.some((l) => l.link.traceState !== ''))
      lk.push(column('trace_state', utf8s(links.map((l) => l.link.traceState)), true));
    optionalU32(
      'dropped_attributes_count',
      links.map((l) => l.link.droppedAttributesCount),
      lk,
    );
    optionalU32(
      'flags',
      links.map((l) => l.link.flags),
      lk,
    );
    tables.set(PayloadType.SPAN_LINKS, { columns: lk, length: m });
  }

  const attrTables: [number, AttributesBuilder, 16 | 32][] = [
    [PayloadType.RESOURCE_ATTRS, resourceAttrs, 16],
    [PayloadType.SCOPE_ATTRS, scopeAttrs, 16],
    [PayloadType.SPAN_ATTRS, spanAttrs, 16],
    [PayloadType.SPAN_EVENT_ATTRS, eventAttrs, 32],
    [PayloadType.SPAN_LINK_ATTRS, linkAttrs, 32],
  ];
  for (const [type, builder, width] of attrTables) {
    const length = builder.length;
    const columns = builder.build(width);
    if (columns) tables.set(type, { columns, length });
  }
  return tables;
}

function sameId(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const copy = (b: Uint8Array | undefined): Uint8Array => (b && b.length > 0 ? b.slice() : EMPTY);

/** Ids of a delta-encoded id column: the running sum, nulls skipped (OTAP 6.4.2). */
function deltaDecoder(v: ReturnType<typeof numberAt>, mask: number): (i: number) => number | undefined {
  let sum = 0;
  return (i) => {
    const d = v(i);
    if (d === undefined) return undefined;
    sum = (sum + d) & mask;
    return sum >>> 0;
  };
}

/** The traces the tables of one BatchArrowRecords stand for. */
export function tablesToTraces(batches: Map<number, RecordBatch>): Traces {
  const root = batches.get(PayloadType.SPANS);
  const traces: Traces = { resourceSpans: [] };
  if (!root || root.numRows === 0) return traces;

  const resourceAttrs = readAttributes(batches.get(PayloadType.RESOURCE_ATTRS));
  const scopeAttrs = readAttributes(batches.get(PayloadType.SCOPE_ATTRS));
  const spanAttrs = readAttributes(batches.get(PayloadType.SPAN_ATTRS));
  const eventAttrs = readAttributes(batches.get(PayloadType.SPAN_EVENT_ATTRS));
  const linkAttrs = readAttributes(batches.get(PayloadType.SPAN_LINK_ATTRS));
  const eventsBySpan = readEvents(batches.get(PayloadType.SPAN_EVENTS), eventAttrs);
  const linksBySpan = readLinks(batches.get(PayloadType.SPAN_LINKS), linkAttrs);

  const resource = child(root, 'resource');
  const scope = child(root, 'scope');
  const status = child(root, 'status');
  const resourceId = deltaDecoder(numberAt(child(resource, 'id')), 0xffff);
  const resourceSchemaUrl = valueAt<string>(child(resource, 'schema_url'));
  const resourceDropped = numberAt(child(resource, 'dropped_attributes_count'));
  const scopeId = deltaDecoder(numberAt(child(scope, 'id')), 0xffff);
  const scopeName = valueAt<string>(child(scope, 'name'));
  const scopeVersion = valueAt<string>(child(scope, 'version'));
  const scopeDropped = numberAt(child(scope, 'dropped_attributes_count'));
  const schemaUrl = valueAt<string>(child(root, 'schema_url'));
  const spanId = deltaDecoder(numberAt(child(root, 'id')), 0xffff);
  const start = int64At(child(root, 'start_time_unix_nano'));
  const duration = int64At(child(root, 'duration_time_unix_nano'));
  const traceIdAt = valueAt<Uint8Array>(child(root, 'trace_id'));
  const spanIdAt = valueAt<Uint8Array>(child(root, 'span_id'));
  const parentAt = valueAt<Uint8Array>(child(root, 'parent_span_id'));
  const traceState = valueAt<string>(child(root, 'trace_state'));
  const name = valueAt<string>(child(root, 'name'));
  const kind = numberAt(child(root, 'kind'));
  const dropped = numberAt(child(root, 'dropped_attributes_count'));
  const droppedEvents = numberAt(child(root, 'dropped_events_count'));
  const droppedLinks = numberAt(child(root, 'dropped_links_count'));
  const statusCode = numberAt(child(status, 'code'));
  const statusMessage = valueAt<string>(child(status, 'status_message'));
  const flags = numberAt(child(root, 'flags'));

  let rs: ResourceSpans | undefined;
  let ss: ScopeSpans | undefined;
  let prevResource: number | undefined;
  let prevScope: number | undefined;
  for (let i = 0; i < root.numRows; i++) {
    const r = resourceId(i) ?? 0;
    if (rs === undefined || r !== prevResource) {
      prevResource = r;
      prevScope = undefined;
      rs = {
        resource: {
          attributes: resourceAttrs.get(r) ?? [],
          droppedAttributesCount: resourceDropped(i) ?? 0,
          entityRefs: [],
        },
        scopeSpans: [],
        schemaUrl: resourceSchemaUrl(i) ?? '',
      };
      traces.resourceSpans.push(rs);
    }
    const s = scopeId(i) ?? 0;
    if (ss === undefined || s !== prevScope) {
      prevScope = s;
      ss = {
        scope: {
          name: scopeName(i) ?? '',
          version: scopeVersion(i) ?? '',
          attributes: scopeAttrs.get(s) ?? [],
          droppedAttributesCount: scopeDropped(i) ?? 0,
        },
        spans: [],
        schemaUrl: schemaUrl(i) ?? '',
      };
      rs.scopeSpans.push(ss);
    }
    const traceId = traceIdAt(i);
    const sid = spanIdAt(i);
    if (!traceId || traceId.length !== 16) throw new Error(`span ${i}: trace_id is not 16 bytes`);
    if (!sid || sid.length !== 8) throw new Error(`span ${i}: span_id is not 8 bytes`);
    const startNs = start(i);
    if (startNs === undefined) throw new Error(`span ${i}: start_time_unix_nano is null`);
    const id = spanId(i);
    const hasStatus = status !== undefined && status.isValid(i);
    ss.spans.push({
      traceId: copy(traceId),
      spanId: copy(sid),
      traceState: traceState(i) ?? '',
      parentSpanId: copy(parentAt(i)),
      flags: flags(i) ?? 0,
      name: name(i) ?? '',
      kind: kind(i) ?? 0,
      startTimeUnixNano: BigInt.asUintN(64, startNs),
      endTimeUnixNano: BigInt.asUintN(64, startNs + (duration(i) ?? 0n)),
      attributes: id === undefined ? [] : (spanAttrs.get(id) ?? []),
      droppedAttributesCount: dropped(i) ?? 0,
      events: id === undefined ? [] : (eventsBySpan.get(id) ?? []),
      droppedEventsCount: droppedEvents(i) ?? 0,
      links: id === undefined ? [] : (linksBySpan.get(id) ?? []),
      droppedLinksCount: droppedLinks(i) ?? 0,
      status: { code: hasStatus ? (statusCode(i) ?? 0) : 0, message: hasStatus ? (statusMessage(i) ?? '') : '' },
    });
  }
  return traces;
}

function group<T>(map: Map<number, T[]>, key: number, value: T): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

function readEvents(batch: RecordBatch | undefined, attrs: Map<number, KeyValue[]>): Map<number, SpanEvent[]> {
  const out = new Map<number, SpanEvent[]>();
  if (!batch) return out;
  const id = deltaDecoder(numberAt(child(batch, 'id')), 0xffffffff);
  const parentAt = numberAt(child(batch, 'parent_id'));
  const nameAt = valueAt<string>(child(batch, 'name'));
  const timeAt = int64At(child(batch, 'time_unix_nano'));
  const droppedAt = numberAt(child(batch, 'dropped_attributes_count'));
  let prevName: string | undefined;
  let prevParent = 0;
  for (let i = 0; i < batch.numRows; i++) {
    const name = nameAt(i) ?? '';
    const encoded = parentAt(i) ?? 0;
    const parent = prevName !== undefined && prevName === name ? (prevParent + encoded) & 0xffff : encoded;
    prevName = name;
    prevParent = parent;
    const eventId = id(i);
    group(out, parent, {
      timeUnixNano: BigInt.asUintN(64, timeAt(i) ?? 0n),
      name,
      attributes: eventId === undefined ? [] : (attrs.get(eventId) ?? []),
      droppedAttributesCount: droppedAt(i) ?? 0,
    });
  }
  return out;
}

function readLinks(batch: RecordBatch | undefined, attrs: Map<number, KeyValue[]>): Map<number, SpanLink[]> {
  const out = new Map<number, SpanLink[]>();
  if (!batch) return out;
  const id = deltaDecoder(numberAt(child(batch, 'id')), 0xffffffff);
  const parentAt = numberAt(child(batch, 'parent_id'));
  const traceIdAt = valueAt<Uint8Array>(child(batch, 'trace_id'));
  const spanIdAt = valueAt<Uint8Array>(child(batch, 'span_id'));
  const traceStateAt = valueAt<string>(child(batch, 'trace_state'));
  const droppedAt = numberAt(child(batch, 'dropped_attributes_count'));
  const flagsAt = numberAt(child(batch, 'flags'));
  let prevTrace: Uint8Array | undefined;
  let prevParent = 0;
  for (let i = 0; i < batch.numRows; i++) {
    const traceId = copy(traceIdAt(i));
    const encoded = parentAt(i) ?? 0;
    const parent = sameId(prevTrace, traceId) ? (prevParent + encoded) & 0xffff : encoded;
    prevTrace = traceId;
    prevParent = parent;
    const linkId = id(i);
    group(out, parent, {
      traceId,
      spanId: copy(spanIdAt(i)),
      traceState: traceStateAt(i) ?? '',
      attributes: linkId === undefined ? [] : (attrs.get(linkId) ?? []),
      droppedAttributesCount: droppedAt(i) ?? 0,
      flags: flagsAt(i) ?? 0,
    });
  }
  return out;
}
