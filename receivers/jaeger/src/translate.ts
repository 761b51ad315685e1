// Jaeger spans to OTLP, rule for rule as contrib's pkg/translator/jaeger does it
// (jaegerproto_to_traces.go and jaegerthrift_to_traces.go): ids from the 64-bit halves, the
// parent from thrift's parentSpanId or the references (CHILD_OF first), other references as
// links, the span.kind tag as the kind, error / otel.status_code / http.status_code tags as the
// status, logs as events named by their `event` field, the process as the resource. The proto
// path also regroups spans by process, takes w3c.tracestate and otel.scope.name/version.
import {
  newResource,
  newScope,
  newSpan,
  SpanKind,
  StatusCode,
  type AnyValue,
  type KeyValue,
  type ResourceSpans,
  type Span,
  type Traces,
} from '@flowtel/pdata';
import { EMPTY, RefType, type JaegerBatch, type JaegerProcess, type JaegerRef, type JaegerSpan } from './model.ts';

/** contrib's tracetranslator.ResourceNoServiceName: a process with this name gives no resource */
const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

const KINDS: Record<string, number> = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

function indexOf(attrs: KeyValue[], key: string): number {
  for (let i = 0; i < attrs.length; i++) if (attrs[i].key === key) return i;
  return -1;
}

function get(attrs: KeyValue[], key: string): AnyValue | undefined {
  const i = indexOf(attrs, key);
  return i < 0 ? undefined : attrs[i].value;
}

function remove(attrs: KeyValue[], key: string): void {
  const i = indexOf(attrs, key);
  if (i >= 0) attrs.splice(i, 1);
}

/** pdata's Map.Put: replaces a key's value in place, or appends. */
function put(attrs: KeyValue[], kv: KeyValue): void {
  const i = indexOf(attrs, kv.key);
  if (i >= 0) attrs[i] = kv;
  else attrs.push(kv);
}

/** Tags as a pdata Map: a later tag with the same key replaces the earlier one. */
function toMap(tags: KeyValue[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const kv of tags) put(out, kv);
  return out;
}

/** pcommon.Value.Str(): the string of a string value, "" for any other type */
function str(v: AnyValue | undefined): string {
  return v !== undefined && 'stringValue' in v ? v.stringValue : '';
}

function isZero(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** jaeger's model.Span.ParentSpanID: a CHILD_OF reference in the same trace, else the first FOLLOWS_FROM. */
export function parentOf(span: JaegerSpan): Uint8Array {
  if (!isZero(span.parentSpanId)) return span.parentSpanId;
  let followsFrom: JaegerRef | undefined;
  for (const ref of span.references) {
    if (!sameId(ref.traceId, span.traceId)) continue;
    if (ref.refType === RefType.CHILD_OF) return ref.spanId;
    if (!followsFrom && ref.refType === RefType.FOLLOWS_FROM) followsFrom = ref;
  }
  return followsFrom ? followsFrom.spanId : EMPTY;
}

function processResource(process: JaegerProcess | undefined, proto: boolean): KeyValue[] {
  if (!process || (proto && process.serviceName === NO_SERVICE_NAME)) return [];
  const { serviceName, tags } = process;
  if (serviceName === '' && tags === undefined) return [];
  const attrs: KeyValue[] = [];
  if (serviceName !== '') attrs.push({ key: 'service.name', value: { stringValue: serviceName } });
  for (const kv of tags ?? []) put(attrs, kv);
  // contrib's special keys: hostname -> host.name, jaeger.version -> opencensus.exporterversion
  const hostname = get(attrs, 'hostname');
  if (hostname !== undefined && get(attrs, 'host.name') === undefined) {
    put(attrs, { key: 'host.name', value: hostname });
    remove(attrs, 'hostname');
  }
  const version = get(attrs, 'jaeger.version');
  if (version !== undefined && get(attrs, 'opencensus.exporterversion') === undefined) {
    put(attrs, { key: 'opencensus.exporterversion', value: { stringValue: `Jaeger-${str(version)}` } });
    remove(attrs, 'jaeger.version');
  }
  return attrs;
}

/** contrib's codeFromAttr: an int, or a string strconv.ParseInt takes */
function httpCode(v: AnyValue): number | undefined {
  if ('intValue' in v) return Number(v.intValue);
  if ('stringValue' in v && /^[+-]?\d+$/.test(v.stringValue)) return Number(v.stringValue);
  return undefined;
}

/** tracetranslator.StatusCodeFromHTTP, with the 4xx rule of getStatusCodeFromHTTPStatusAttr */
function statusFromHttp(code: number, kind: number): number {
  if (code >= 400 && code < 500) {
    if (kind === SpanKind.CLIENT) return StatusCode.ERROR;
    if (kind === SpanKind.SERVER) return StatusCode.UNSET;
  }
  return code >= 100 && code < 399 ? StatusCode.UNSET : StatusCode.ERROR;
}

function takeStatusDescription(attrs: KeyValue[]): string | undefined {
  const v = get(attrs, 'otel.status_description');
  if (v === undefined) return undefined;
  remove(attrs, 'otel.status_description');
  return str(v);
}

/** contrib's setInternalSpanStatus: the error tag wins, then otel.status_code, then http.status_code. */
function setStatus(attrs: KeyValue[], span: Span): void {
  let code: number = StatusCode.UNSET;
  let message = '';
  let exists = false;
  const error = get(attrs, 'error');
  if (error !== undefined && 'boolValue' in error && error.boolValue) {
    code = StatusCode.ERROR;
    remove(attrs, 'error');
    exists = true;
    const desc = takeStatusDescription(attrs);
    if (desc !== undefined) message = desc;
    else {
      const msg = get(attrs, 'http.status_message');
      if (msg !== undefined) message = str(msg);
    }
  }
  const otelCode = get(attrs, 'otel.status_code');
  if (otelCode !== undefined) {
    if (!exists) {
      exists = true;
      const upper = str(otelCode).toUpperCase();
      if (upper === 'OK') code = StatusCode.OK;
      else if (upper === 'ERROR') code = StatusCode.ERROR;
      const desc = takeStatusDescription(attrs);
      if (desc !== undefined) message = desc;
    }
    remove(attrs, 'otel.status_code');
  } else if (!exists) {
    const http = get(attrs, 'http.status_code');
    const n = http === undefined ? undefined : httpCode(http);
    if (n !== undefined) {
      const c = statusFromHttp(n, span.kind);
      if (c !== StatusCode.UNSET) {
        exists = true;
        code = c;
      }
      const msg = get(attrs, 'http.status_message');
      if (msg !== undefined) message = str(msg);
    }
  }
  if (exists) span.status = { code, message };
}

function toSpan(j: JaegerSpan, proto: boolean): Span {
  const parent = parentOf(j);
  const attrs = toMap(j.tags);
  const span = newSpan({
    traceId: j.traceId,
    spanId: j.spanId,
    parentSpanId: isZero(parent) ? EMPTY : parent,
    name: j.operationName,
    // the sampled bit of jaeger's flags is W3C's sampled trace flag
    flags: j.flags & 1,
    startTimeUnixNano: j.startTimeUnixNano,
    endTimeUnixNano: BigInt.asUintN(64, j.startTimeUnixNano + j.durationNano),
    attributes: attrs,
  });
  const kind = get(attrs, 'span.kind');
  if (kind !== undefined) {
    span.kind = KINDS[str(kind)] ?? SpanKind.UNSPECIFIED;
    remove(attrs, 'span.kind');
  }
  setStatus(attrs, span);
  if (proto) {
    const ts = get(attrs, 'w3c.tracestate');
    if (ts !== undefined) {
      span.traceState = str(ts);
      remove(attrs, 'w3c.tracestate');
    }
  }
  for (const log of j.logs) {
    const fields = toMap(log.fields);
    let name = '';
    const event = get(fields, 'event');
    if (event !== undefined) {
      name = str(event);
      remove(fields, 'event');
    }
    span.events.push({ timeUnixNano: log.timeUnixNano, name, attributes: fields, droppedAttributesCount: 0 });
  }
  for (const ref of j.references) {
    if (ref.refType === RefType.CHILD_OF && sameId(ref.spanId, parent)) continue;
    span.links.push({
      traceId: ref.traceId,
      spanId: ref.spanId,
      traceState: '',
      attributes: [
        {
          key: 'opentracing.ref_type',
          value: { stringValue: ref.refType === RefType.CHILD_OF ? 'child_of' : 'follows_from' },
        },
      ],
      droppedAttributesCount: 0,
      flags: 0,
    });
  }
  return span;
}

/** contrib skips a span whose every field is the zero value */
function blank(s: JaegerSpan): boolean {
  return (
    isZero(s.traceId) &&
    isZero(s.spanId) &&
    isZero(s.parentSpanId) &&
    s.operationName === '' &&
    s.flags === 0 &&
    s.startTimeUnixNano === 0n &&
    s.durationNano === 0n &&
    s.tags.length === 0 &&
    s.logs.length === 0 &&
    s.references.length === 0 &&
    s.process === undefined
  );
}

/** The scope a proto span names in otel.scope.name/version tags, which leave its tags. */
function takeScope(span: JaegerSpan): { name: string; version: string } {
  const i = indexOf(span.tags, 'otel.scope.name');
  if (i < 0) return { name: '', version: '' };
  const name = str(span.tags[i].value);
  span.tags.splice(i, 1);
  const j = indexOf(span.tags, 'otel.scope.version');
  let version = '';
  if (j >= 0) {
    version = str(span.tags[j].value);
    span.tags.splice(j, 1);
  }
  return { name, version };
}

/** A key that tells processes apart as contrib's checksum of the process does. */
function processKey(p: JaegerProcess | undefined): string {
  if (!p) return '';
  let key = `${p.serviceName}\u0000`;
  for (const t of p.tags ?? [])
    key += `${t.key}\u0001${JSON.stringify(t.value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}\u0002`;
  return key;
}

/** ProtoToTraces: spans regrouped by their process (a span's own, else its batch's), one resource each, in order of appearance. */
export function protoBatchesToTraces(batches: JaegerBatch[]): Traces {
  const groups = new Map<string, JaegerBatch>();
  const group = (p: JaegerProcess | undefined): JaegerBatch => {
    const key = processKey(p);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { process: p, spans: [] }));
    return g;
  };
  for (const batch of batches) {
    const own = group(batch.process);
    for (const span of batch.spans) (span.process ? group(span.process) : own).spans.push(span);
  }
  const resourceSpans: ResourceSpans[] = [];
  for (const g of groups.values()) {
    if (!g.process && g.spans.length === 0) continue;
    const rs: ResourceSpans = {
      resource: newResource(processResource(g.process, true)),
      scopeSpans: [],
      schemaUrl: '',
    };
    const byScope = new Map<string, Span[]>();
    for (const j of g.spans) {
      if (blank(j)) continue;
      const scope = takeScope(j);
      const key = `${scope.name}\u0000${scope.version}`;
      let spans = byScope.get(key);
      if (!spans) {
        byScope.set(key, (spans = []));
        rs.scopeSpans.push({ scope: newScope(scope.name, scope.version), spans, schemaUrl: '' });
      }
      spans.push(toSpan(j, true));
    }
    resourceSpans.push(rs);
  }
  return { resourceSpans };
}

/** ThriftToTraces: one batch, one resource from its process, one scope. */
export function thriftBatchToTraces(batch: JaegerBatch): Traces {
  if (!batch.process && batch.spans.length === 0) return { resourceSpans: [] };
  const rs: ResourceSpans = {
    resource: newResource(processResource(batch.process, false)),
    scopeSpans: [],
    schemaUrl: '',
  };
  if (batch.spans.length > 0) {
    const spans: Span[] = [];
    for (const j of batch.spans) if (!blank(j)) spans.push(toSpan(j, false));
    rs.scopeSpans.push({ scope: newScope(), spans, schemaUrl: '' });
  }
  return { resourceSpans: [rs] };
}
