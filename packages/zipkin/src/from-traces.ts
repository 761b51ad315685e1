// OTLP to Zipkin v2 spans, rule for rule as contrib's zipkinv2.FromTranslator: resource and
// span attributes become string tags (the span's win), the scope becomes otel.library.* tags,
// service.name (or faas.name, k8s.deployment.name, process.executable.name, named in
// otlp.service.name.source) the local endpoint's service, net.host.* / net.peer.* /
// peer.service the endpoints, events annotations ("name|{attributes}|dropped" when they have
// attributes), links otlp.link.N tags, the status error=true and otel.status_code.
import { valueAsString, type KeyValue, type Span, type Traces } from '@flowtel/pdata';
import {
  EMPTY_ID,
  toHex,
  type ZipkinAnnotation,
  type ZipkinEndpoint,
  type ZipkinKind,
  type ZipkinSpan,
} from './model.ts';
import { LIBRARY_NAME, LIBRARY_VERSION, NO_SERVICE_NAME, TAG_SERVICE_NAME_SOURCE } from './to-traces.ts';

/** json.Marshal of a map's AsRaw(): keys sorted */
const mapJson = (values: KeyValue[]): string => valueAsString({ kvlistValue: { values } });

const ZIPKIN_KIND: Record<number, ZipkinKind> = { 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** contrib's extractZipkinServiceName: the resource key that names the service, in this order */
const SERVICE_SOURCES = ['service.name', 'faas.name', 'k8s.deployment.name', 'process.executable.name'];

function endpointFrom(
  tags: Map<string, string>,
  serviceName: string,
  remote: boolean,
  redundant: Set<string>,
): ZipkinEndpoint | undefined {
  let name = serviceName;
  if (remote && tags.has('peer.service')) {
    name = tags.get('peer.service')!;
    redundant.add('peer.service');
  }
  const [ipKey, portKey] = remote ? ['net.peer.ip', 'net.peer.port'] : ['net.host.ip', 'net.host.port'];
  let ipv4 = '';
  let ipv6 = '';
  const ip = tags.get(ipKey);
  if (ip !== undefined) {
    redundant.add(ipKey);
    // Go's net.ParseIP: what does not parse is left out
    if (ip.includes(':')) ipv6 = ip;
    else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255)) ipv4 = ip;
  }
  let port = 0;
  const portText = tags.get(portKey);
  if (portText !== undefined) {
    redundant.add(portKey);
    if (/^\d+$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  }
  if (name === '' && ipv4 === '' && ipv6 === '') return undefined;
  return { serviceName: name, ipv4, ipv6, port };
}

function toZipkin(span: Span, localService: string, base: Map<string, string>): ZipkinSpan {
  const tags = new Map(base);
  for (const kv of span.attributes) tags.set(kv.key, valueAsString(kv.value));
  if (span.traceId.length === 0 || span.traceId.every((b) => b === 0)) throw new Error('TraceID is invalid');
  if (span.spanId.length === 0 || span.spanId.every((b) => b === 0)) throw new Error('SpanID is invalid');
  if (span.traceState) tags.set('w3c.tracestate', span.traceState);
  const kind = ZIPKIN_KIND[span.kind] ?? '';
  if (span.kind === 1) tags.set('span.kind', 'internal');
  const redundant = new Set<string>();
  const localEndpoint = endpointFrom(tags, localService, false, redundant);
  const remoteEndpoint = endpointFrom(tags, '', true, redundant);
  for (const key of redundant) tags.delete(key);
  const { code, message } = span.status;
  if (code === 2) tags.set('error', 'true');
  else tags.delete('error');
  if (code !== 0) {
    tags.set('otel.status_code', STATUS_NAMES[code] ?? '');
    if (message) {
      tags.set('otel.status_description', message);
      // zipkin-go's SpanModel.Err: its JSON writes the message as the error tag
      if (code === 2) tags.set('error', message);
    }
  }
  const annotations: ZipkinAnnotation[] = span.events.map((e) => ({
    timestamp: (e.timeUnixNano + 500n) / 1000n,
    value:
      e.attributes.length === 0 && e.droppedAttributesCount === 0
        ? e.name
        : `${e.name}|${mapJson(e.attributes)}|${e.droppedAttributesCount}`,
  }));
  span.links.forEach((l, i) => {
    const hex = (id: Uint8Array) => (id.length === 0 || id.every((b) => b === 0) ? '' : toHex(id));
    tags.set(
      `otlp.link.${i}`,
      `${hex(l.traceId)}|${hex(l.spanId)}|${l.traceState}|${mapJson(l.attributes)}|${l.droppedAttributesCount}`,
    );
  });
  const start = span.startTimeUnixNano;
  // a start before the first second is "no timestamp", as the receiver writes an absent one
  const timestamp = start >= 1_000_000_000n ? (start + 500n) / 1000n : 0n;
  let duration = 0n;
  if (span.endTimeUnixNano !== 0n) {
    const ns = span.endTimeUnixNano - start;
    // zipkin-go rounds to the microsecond and keeps at least 1 µs of a positive duration
    duration = ns <= 0n ? 0n : ns < 1000n ? 1n : (ns + 500n) / 1000n;
  }
  const traceId = span.traceId.length === 16 ? span.traceId : EMPTY_ID;
  return {
    traceId,
    id: span.spanId,
    parentId: span.parentSpanId.length === 8 && !span.parentSpanId.every((b) => b === 0) ? span.parentSpanId : EMPTY_ID,
    name: span.name,
    kind,
    timestamp,
    duration,
    localEndpoint,
    remoteEndpoint,
    annotations,
    tags,
    debug: false,
    shared: false,
  };
}

/**
 * `defaultServiceName` names the local endpoint of spans whose resource names no service
 * (the exporter's default_service_name); contrib's translator alone would write
 * OTLPResourceNoServiceName there.
 */
export function tracesToZipkin(traces: Traces, defaultServiceName = NO_SERVICE_NAME): ZipkinSpan[] {
  const out: ZipkinSpan[] = [];
  for (const rs of traces.resourceSpans) {
    if (rs.resource.attributes.length === 0 && rs.scopeSpans.length === 0) continue;
    const base = new Map<string, string>();
    for (const kv of rs.resource.attributes) base.set(kv.key, valueAsString(kv.value));
    let service = defaultServiceName;
    for (const key of SERVICE_SOURCES) {
      const v = base.get(key);
      if (v === undefined) continue;
      service = v;
      base.delete(key);
      if (key !== 'service.name') base.set(TAG_SERVICE_NAME_SOURCE, key);
      break;
    }
    for (const ss of rs.scopeSpans) {
      if (ss.scope.name) base.set(LIBRARY_NAME, ss.scope.name);
      if (ss.scope.version) base.set(LIBRARY_VERSION, ss.scope.version);
      for (const span of ss.spans) out.push(toZipkin(span, service, base));
    }
  }
  return out;
}
