// Zipkin v2 spans to OTLP, rule for rule as contrib's zipkinv2.ToTranslator: spans sorted by
// local service and instrumentation library, one resource per service (service.name from the
// local endpoint, resource-convention tags moved to the resource), one scope per library
// (otel.library.name/version tags); kind from the span's kind or a span.kind=internal tag;
// status from otel.status_code/otel.status_description and error=true; otlp.link.N tags as
// links; endpoints as net.host.*, net.peer.* and peer.service; annotations as events
// (name|{attributes}|dropped); w3c.tracestate as the trace state.
import {
  newResource,
  newScope,
  newSpan,
  SpanKind,
  type KeyValue,
  type ResourceSpans,
  type ScopeSpans,
  type Span,
  type Traces,
} from '@flowtel/pdata';
import { ZipkinFormatError } from './json.ts';
import { fromHex, type ZipkinSpan } from './model.ts';

/** contrib's tracetranslator.ResourceNoServiceName */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
/** contrib's zipkin.TagServiceNameSource: the resource key the service name came from, when not service.name */
export const TAG_SERVICE_NAME_SOURCE = 'otlp.service.name.source';
/** contrib's zipkin.StartTimeAbsent: the span had no timestamp */
export const START_TIME_ABSENT = 'otel.zipkin.absentField.startTime';
export const LIBRARY_NAME = 'otel.library.name';
export const LIBRARY_VERSION = 'otel.library.version';

/** semconv 1.6.1's resource attribute names: tags with these names belong to the resource. */
const RESOURCE_KEYS = [
  'cloud.provider',
  'cloud.account.id',
  'cloud.region',
  'cloud.availability_zone',
  'cloud.platform',
  'aws.ecs.container.arn',
  'aws.ecs.cluster.arn',
  'aws.ecs.launchtype',
  'aws.ecs.task.arn',
  'aws.ecs.task.family',
  'aws.ecs.task.revision',
  'aws.eks.cluster.arn',
  'aws.log.group.names',
  'aws.log.group.arns',
  'aws.log.stream.names',
  'aws.log.stream.arns',
  'container.name',
  'container.id',
  'container.runtime',
  'container.image.name',
  'container.image.tag',
  'deployment.environment',
  'device.id',
  'device.model.identifier',
  'device.model.name',
  'faas.name',
  'faas.id',
  'faas.version',
  'faas.instance',
  'faas.max_memory',
  'host.id',
  'host.name',
  'host.type',
  'host.arch',
  'host.image.name',
  'host.image.id',
  'host.image.version',
  'k8s.cluster.name',
  'k8s.node.name',
  'k8s.node.uid',
  'k8s.namespace.name',
  'k8s.pod.uid',
  'k8s.pod.name',
  'k8s.container.name',
  'k8s.container.restart_count',
  'k8s.replicaset.uid',
  'k8s.replicaset.name',
  'k8s.deployment.uid',
  'k8s.deployment.name',
  'k8s.statefulset.uid',
  'k8s.statefulset.name',
  'k8s.daemonset.uid',
  'k8s.daemonset.name',
  'k8s.job.uid',
  'k8s.job.name',
  'k8s.cronjob.uid',
  'k8s.cronjob.name',
  'os.type',
  'os.description',
  'os.name',
  'os.version',
  'process.pid',
  'process.executable.name',
  'process.executable.path',
  'process.command',
  'process.command_line',
  'process.command_args',
  'process.owner',
  'process.runtime.name',
  'process.runtime.version',
  'process.runtime.description',
  'service.name',
  'service.namespace',
  'service.instance.id',
  'service.version',
  'telemetry.sdk.name',
  'telemetry.sdk.language',
  'telemetry.sdk.version',
  'telemetry.auto.version',
  'webengine.name',
  'webengine.version',
  'webengine.description',
  // OpenCensus's resource keys, as contrib's occonventions
  'opencensus.starttime',
  'opencensus.exporterversion',
  'opencensus.resourcetype',
];

/** tags that never become span attributes */
const NON_SPAN = new Set([...RESOURCE_KEYS, TAG_SERVICE_NAME_SOURCE, LIBRARY_NAME, LIBRARY_VERSION]);

const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
  // the names contrib's zipkin exporter once wrote
  Unset: 0,
  Ok: 1,
  Error: 2,
};

const KIND: Record<string, number> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

const localService = (s: ZipkinSpan) => s.localEndpoint?.serviceName || NO_SERVICE_NAME;
const library = (s: ZipkinSpan) => s.tags.get(LIBRARY_NAME) ?? '';

/** contrib's zipkin.DetermineValueType, then strconv's parse of that type (errors ignored as there) */
function parsedTag(key: string, value: string): KeyValue {
  if (/^-?\d+$/.test(value)) {
    const n = BigInt(value);
    // strconv.ParseInt gives the nearest int64 when out of range
    const clamped = n > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : n < -0x8000000000000000n ? -0x8000000000000000n : n;
    return { key, value: { intValue: clamped } };
  }
  if (/^-?\d+\.\d+$/.test(value)) return { key, value: { doubleValue: Number(value) } };
  if (value === 'true' || value === 'false') return { key, value: { boolValue: value === 'true' } };
  return { key, value: { stringValue: value } };
}

/** contrib's jsonMapToAttributeMap: strings, numbers (whole ones as ints) and booleans; other values are left out */
function jsonAttributes(text: string, what: string): KeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ZipkinFormatError(`${what}: attributes are not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ZipkinFormatError(`${what}: attributes are not a JSON object`);
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(parsed)) {
    if (typeof v === 'string') out.push({ key, value: { stringValue: v } });
    else if (typeof v === 'number')
      out.push({ key, value: Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v } });
    else if (typeof v === 'boolean') out.push({ key, value: { boolValue: v } });
  }
  return out;
}

function dropped(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff)
    throw new ZipkinFormatError(`${what}: bad dropped count "${text}"`);
  return Number(text);
}

/** "name|{json}|dropped": the JSON may itself hold "|", so it is everything between the first and the last part */
function splitEncoded(value: string): { first: string[]; json: string; last: string } | undefined {
  const parts = value.split('|');
  return parts.length < 3
    ? undefined
    : { first: parts, json: parts.slice(1, -1).join('|'), last: parts[parts.length - 1] };
}

function hexId(text: string, size: 8 | 16, what: string): Uint8Array {
  const t = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  if (t === '') return new Uint8Array(0);
  if (t.length !== size * 2) throw new ZipkinFormatError(`${what}: invalid length for ID`);
  const id = fromHex(t, size);
  if (!id) throw new ZipkinFormatError(`${what}: cannot unmarshal ID from string '${t}'`);
  return id;
}

function links(tags: Map<string, string>, span: Span): void {
  for (let i = 0; i < 128; i++) {
    const key = `otlp.link.${i}`;
    const value = tags.get(key);
    if (value === undefined) return;
    tags.delete(key);
    const parts = value.split('|');
    if (parts.length < 5) continue;
    const json = parts.length === 5 ? parts[3] : parts.slice(3, -1).join('|');
    span.links.push({
      traceId: hexId(parts[0], 16, key),
      spanId: hexId(parts[1], 8, key),
      traceState: parts[2],
      attributes: jsonAttributes(json, key),
      droppedAttributesCount: dropped(parts[parts.length - 1], key),
      flags: 0,
    });
  }
}

function toSpan(z: ZipkinSpan, tags: Map<string, string>, parseStringTags: boolean): Span {
  const span = newSpan({ traceId: z.traceId, spanId: z.id, name: z.name });
  const ts = tags.get('w3c.tracestate');
  if (ts !== undefined) {
    span.traceState = ts;
    tags.delete('w3c.tracestate');
  }
  if (z.parentId.length > 0 && !z.parentId.every((b, i) => b === z.id[i])) span.parentSpanId = z.parentId;
  const kind = KIND[z.kind];
  if (kind !== undefined) span.kind = kind;
  else {
    const tagKind = tags.get('span.kind');
    if (tagKind !== undefined) {
      tags.delete('span.kind');
      if (tagKind === 'internal') span.kind = SpanKind.INTERNAL;
    }
  }
  const code = tags.get('otel.status_code');
  if (code !== undefined) {
    span.status = { code: STATUS_CODES[code] ?? 0, message: '' };
    tags.delete('otel.status_code');
    const desc = tags.get('otel.status_description');
    if (desc !== undefined) {
      span.status.message = desc;
      tags.delete('otel.status_description');
    }
  }
  if (tags.get('error') === 'true') {
    span.status = { code: 2, message: span.status.message };
    tags.delete('error');
  }
  links(tags, span);
  const attrs = span.attributes;
  const put = (kv: KeyValue) => {
    const i = attrs.findIndex((a) => a.key === kv.key);
    if (i >= 0) attrs[i] = kv;
    else attrs.push(kv);
  };
  for (const [key, value] of tags) {
    if (NON_SPAN.has(key)) continue;
    attrs.push(parseStringTags ? parsedTag(key, value) : { key, value: { stringValue: value } });
  }
  const local = z.localEndpoint;
  if (local) {
    if (local.ipv4) put({ key: 'net.host.ip', value: { stringValue: local.ipv4 } });
    if (local.ipv6) put({ key: 'net.host.ip', value: { stringValue: local.ipv6 } });
    if (local.port > 0) put({ key: 'net.host.port', value: { intValue: BigInt(local.port) } });
  }
  const remote = z.remoteEndpoint;
  if (remote) {
    if (remote.serviceName) put({ key: 'peer.service', value: { stringValue: remote.serviceName } });
    if (remote.ipv4) put({ key: 'net.peer.ip', value: { stringValue: remote.ipv4 } });
    if (remote.ipv6) put({ key: 'net.peer.ip', value: { stringValue: remote.ipv6 } });
    if (remote.port > 0) put({ key: 'net.peer.port', value: { intValue: BigInt(remote.port) } });
  }
  // µs to ns; no timestamp is the epoch, marked so the exporter leaves it out again
  if (z.timestamp === 0n) {
    span.startTimeUnixNano = 0n;
    span.endTimeUnixNano = z.duration * 1000n;
    put({ key: START_TIME_ABSENT, value: { boolValue: true } });
  } else {
    span.startTimeUnixNano = z.timestamp * 1000n;
    span.endTimeUnixNano = (z.timestamp + z.duration) * 1000n;
  }
  for (const a of z.annotations) {
    const enc = splitEncoded(a.value);
    const event = {
      timeUnixNano: a.timestamp * 1000n,
      name: a.value.split('|')[0],
      attributes: [] as KeyValue[],
      droppedAttributesCount: 0,
    };
    if (enc) {
      event.attributes = jsonAttributes(enc.json, `annotation "${a.value}"`);
      event.droppedAttributesCount = dropped(enc.last, `annotation "${a.value}"`);
    }
    span.events.push(event);
  }
  return span;
}

/** Throws ZipkinFormatError on what contrib's translator refuses (bad link ids, annotation JSON). */
export function zipkinToTraces(spans: ZipkinSpan[], parseStringTags: boolean): Traces {
  const sorted = [...spans].sort((a, b) => {
    const sa = localService(a);
    const sb = localService(b);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const la = library(a);
    const lb = library(b);
    return la < lb ? -1 : la > lb ? 1 : 0;
  });
  const resourceSpans: ResourceSpans[] = [];
  let rs: ResourceSpans | undefined;
  let ss: ScopeSpans | undefined;
  let prevService = '';
  let prevLibrary = '';
  for (const z of sorted) {
    const tags = new Map(z.tags);
    const service = localService(z);
    if (!rs || service !== prevService) {
      prevService = service;
      rs = { resource: newResource(), scopeSpans: [], schemaUrl: '' };
      resourceSpans.push(rs);
      ss = undefined;
      if (service !== NO_SERVICE_NAME) {
        const attrs = rs.resource.attributes;
        const source = tags.get(TAG_SERVICE_NAME_SOURCE) || 'service.name';
        attrs.push({ key: source, value: { stringValue: service } });
        tags.delete(TAG_SERVICE_NAME_SOURCE);
        for (const key of RESOURCE_KEYS) {
          const v = tags.get(key);
          if (v === undefined) continue;
          const i = attrs.findIndex((a) => a.key === key);
          if (i >= 0) attrs[i] = { key, value: { stringValue: v } };
          else attrs.push({ key, value: { stringValue: v } });
          tags.delete(key);
        }
      }
    }
    const lib = library(z);
    if (!ss || lib !== prevLibrary) {
      prevLibrary = lib;
      ss = { scope: newScope(), spans: [], schemaUrl: '' };
      rs.scopeSpans.push(ss);
      if (lib !== '') {
        ss.scope.name = tags.get(LIBRARY_NAME) ?? '';
        ss.scope.version = tags.get(LIBRARY_VERSION) ?? '';
        tags.delete(LIBRARY_NAME);
        tags.delete(LIBRARY_VERSION);
      }
    }
    ss.spans.push(toSpan(z, tags, parseStringTags));
  }
  return { resourceSpans };
}
