// The OTTL contexts and their paths (pkg/ottl/contexts/*/README.md): what each path reads and
// writes on flowtel's pdata model. A path is resolved once, when a statement is compiled, to a
// getter and a setter closure. pdata shares some objects between items (KeyValues, the empty
// span lists, the unset status: see pdata's shared.ts), so nothing here changes a KeyValue,
// an attribute list or a status in place: a change puts a new one on its owner.
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SpanEvent,
  SummaryDataPoint,
} from '@flowtel/pdata';
import type { PathSegment } from './parser.ts';
import {
  OMap,
  OTime,
  OttlRuntimeError,
  type Value,
  asString,
  fromAny,
  mapGet,
  mapSet,
  toAny,
  typeName,
} from './values.ts';

export const CONTEXTS = ['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'] as const;
export type ContextName = (typeof CONTEXTS)[number];

/** The contexts whose paths a context can read: itself and the ones that contain it. */
export const CONTEXT_SCOPE: Record<ContextName, ContextName[]> = {
  resource: ['resource'],
  scope: ['resource', 'scope'],
  span: ['resource', 'scope', 'span'],
  spanevent: ['resource', 'scope', 'span', 'spanevent'],
  metric: ['resource', 'scope', 'metric'],
  datapoint: ['resource', 'scope', 'metric', 'datapoint'],
  log: ['resource', 'scope', 'log'],
};

/** path prefixes and the context each names (`instrumentation_scope` is scope's older name) */
export const PATH_PREFIXES: Record<string, ContextName> = {
  resource: 'resource',
  scope: 'scope',
  instrumentation_scope: 'scope',
  span: 'span',
  spanevent: 'spanevent',
  metric: 'metric',
  datapoint: 'datapoint',
  log: 'log',
};

export type DataPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;
export type DataPointKind = 'number' | 'histogram' | 'exponential' | 'summary';

/** What a statement runs against: one item and the items that contain it. Reused item to item. */
export class TransformContext {
  resource!: Resource;
  /** the ResourceSpans/Metrics/Logs: its schema_url */
  resourceHolder!: { schemaUrl: string };
  scope!: InstrumentationScope;
  scopeHolder!: { schemaUrl: string };
  span?: Span;
  event?: SpanEvent;
  eventIndex = 0;
  metric?: Metric;
  /** metrics that functions create while a scope's metrics are walked (extract_sum_metric, ...) */
  addedMetrics?: Metric[];
  dp?: DataPoint;
  dpKind?: DataPointKind;
  log?: LogRecord;
  /** the `cache` map: fresh for every item */
  cache: KeyValue[] = [];
}

export type StaticType =
  'string' | 'int' | 'float' | 'bool' | 'bytes' | 'map' | 'slice' | 'time' | 'duration' | 'nil' | 'any';

export interface Accessor {
  type: StaticType;
  get(tc: TransformContext): Value;
  /** absent for read-only paths */
  set?(tc: TransformContext, v: Value): void;
}

type TC = TransformContext;
const EMPTY_ID = new Uint8Array(0);
const hex = (b: Uint8Array) => (b.length === 0 || b.every((x) => x === 0) ? '' : Buffer.from(b).toString('hex'));

function idFields(
  prefix: string,
  size: number,
  get: (tc: TC) => Uint8Array,
  set: (tc: TC, v: Uint8Array) => void,
): Record<string, Accessor> {
  return {
    [prefix]: {
      type: 'bytes',
      get,
      set: (tc, v) => {
        if (v instanceof Uint8Array && v.length === size) set(tc, v);
      },
    },
    [`${prefix}.string`]: {
      type: 'string',
      get: (tc) => hex(get(tc)),
      set: (tc, v) => {
        if (typeof v !== 'string') return;
        if (v === '') return set(tc, EMPTY_ID);
        if (v.length !== size * 2 || !/^[0-9a-fA-F]+$/.test(v))
          throw new OttlRuntimeError(`invalid ${prefix}: ${JSON.stringify(v)} is not ${size * 2} hex digits`);
        set(tc, Uint8Array.from(Buffer.from(v, 'hex')));
      },
    },
  };
}

const str = (get: (tc: TC) => string, set: (tc: TC, v: string) => void): Accessor => ({
  type: 'string',
  get,
  set: (tc, v) => {
    if (typeof v === 'string') set(tc, v);
  },
});
const int = (get: (tc: TC) => number, set?: (tc: TC, v: number) => void): Accessor => ({
  type: 'int',
  get: (tc) => BigInt(get(tc)),
  set: set
    ? (tc, v) => {
        if (typeof v === 'bigint') set(tc, Number(v));
      }
    : undefined,
});
const nanos = (get: (tc: TC) => bigint, set: (tc: TC, v: bigint) => void): Accessor => ({
  type: 'int',
  get,
  set: (tc, v) => {
    if (typeof v === 'bigint') set(tc, v);
  },
});
const time = (get: (tc: TC) => bigint, set: (tc: TC, v: bigint) => void): Accessor => ({
  type: 'time',
  get: (tc) => new OTime(get(tc)),
  set: (tc, v) => {
    if (v instanceof OTime) set(tc, v.nanos);
  },
});
const attrs = (get: (tc: TC) => KeyValue[], set: (tc: TC, kvs: KeyValue[]) => void): Accessor => ({
  type: 'map',
  get: (tc) => new OMap(get(tc)),
  set: (tc, v) => {
    if (v instanceof OMap) set(tc, v.kvs.slice());
  },
});

const resourceFields: Record<string, Accessor> = {
  attributes: attrs(
    (tc) => tc.resource.attributes,
    (tc, kvs) => (tc.resource.attributes = kvs),
  ),
  dropped_attributes_count: int(
    (tc) => tc.resource.droppedAttributesCount,
    (tc, v) => (tc.resource.droppedAttributesCount = v),
  ),
  schema_url: str(
    (tc) => tc.resourceHolder.schemaUrl,
    (tc, v) => (tc.resourceHolder.schemaUrl = v),
  ),
};

const scopeFields: Record<string, Accessor> = {
  name: str(
    (tc) => tc.scope.name,
    (tc, v) => (tc.scope.name = v),
  ),
  version: str(
    (tc) => tc.scope.version,
    (tc, v) => (tc.scope.version = v),
  ),
  attributes: attrs(
    (tc) => tc.scope.attributes,
    (tc, kvs) => (tc.scope.attributes = kvs),
  ),
  dropped_attributes_count: int(
    (tc) => tc.scope.droppedAttributesCount,
    (tc, v) => (tc.scope.droppedAttributesCount = v),
  ),
  schema_url: str(
    (tc) => tc.scopeHolder.schemaUrl,
    (tc, v) => (tc.scopeHolder.schemaUrl = v),
  ),
};

const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const SPAN_KIND_ENUMS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].map(
  (k) => `SPAN_KIND_${k}`,
);

const spanFields: Record<string, Accessor> = {
  ...idFields(
    'trace_id',
    16,
    (tc) => tc.span!.traceId,
    (tc, v) => (tc.span!.traceId = v),
  ),
  ...idFields(
    'span_id',
    8,
    (tc) => tc.span!.spanId,
    (tc, v) => (tc.span!.spanId = v),
  ),
  ...idFields(
    'parent_span_id',
    8,
    (tc) => tc.span!.parentSpanId,
    (tc, v) => (tc.span!.parentSpanId = v),
  ),
  trace_state: str(
    (tc) => tc.span!.traceState,
    (tc, v) => (tc.span!.traceState = v),
  ),
  'status.code': int(
    (tc) => tc.span!.status.code,
    (tc, v) => (tc.span!.status = { ...tc.span!.status, code: v }),
  ),
  'status.message': str(
    (tc) => tc.span!.status.message,
    (tc, v) => (tc.span!.status = { ...tc.span!.status, message: v }),
  ),
  name: str(
    (tc) => tc.span!.name,
    (tc, v) => (tc.span!.name = v),
  ),
  kind: int(
    (tc) => tc.span!.kind,
    (tc, v) => (tc.span!.kind = v),
  ),
  'kind.string': str(
    (tc) => SPAN_KIND_NAMES[tc.span!.kind] ?? '',
    (tc, v) => {
      const k = SPAN_KIND_NAMES.indexOf(v);
      if (k >= 0) tc.span!.kind = k;
    },
  ),
  'kind.deprecated_string': str(
    (tc) => SPAN_KIND_ENUMS[tc.span!.kind] ?? '',
    (tc, v) => {
      const k = SPAN_KIND_ENUMS.indexOf(v);
      if (k >= 0) tc.span!.kind = k;
    },
  ),
  start_time_unix_nano: nanos(
    (tc) => tc.span!.startTimeUnixNano,
    (tc, v) => (tc.span!.startTimeUnixNano = v),
  ),
  end_time_unix_nano: nanos(
    (tc) => tc.span!.endTimeUnixNano,
    (tc, v) => (tc.span!.endTimeUnixNano = v),
  ),
  start_time: time(
    (tc) => tc.span!.startTimeUnixNano,
    (tc, v) => (tc.span!.startTimeUnixNano = v),
  ),
  end_time: time(
    (tc) => tc.span!.endTimeUnixNano,
    (tc, v) => (tc.span!.endTimeUnixNano = v),
  ),
  attributes: attrs(
    (tc) => tc.span!.attributes,
    (tc, kvs) => (tc.span!.attributes = kvs),
  ),
  dropped_attributes_count: int(
    (tc) => tc.span!.droppedAttributesCount,
    (tc, v) => (tc.span!.droppedAttributesCount = v),
  ),
  dropped_events_count: int(
    (tc) => tc.span!.droppedEventsCount,
    (tc, v) => (tc.span!.droppedEventsCount = v),
  ),
  dropped_links_count: int(
    (tc) => tc.span!.droppedLinksCount,
    (tc, v) => (tc.span!.droppedLinksCount = v),
  ),
  flags: int(
    (tc) => tc.span!.flags,
    (tc, v) => (tc.span!.flags = v),
  ),
};

const spanEventFields: Record<string, Accessor> = {
  time_unix_nano: nanos(
    (tc) => tc.event!.timeUnixNano,
    (tc, v) => (tc.event!.timeUnixNano = v),
  ),
  time: time(
    (tc) => tc.event!.timeUnixNano,
    (tc, v) => (tc.event!.timeUnixNano = v),
  ),
  name: str(
    (tc) => tc.event!.name,
    (tc, v) => (tc.event!.name = v),
  ),
  attributes: attrs(
    (tc) => tc.event!.attributes,
    (tc, kvs) => (tc.event!.attributes = kvs),
  ),
  dropped_attributes_count: int(
    (tc) => tc.event!.droppedAttributesCount,
    (tc, v) => (tc.event!.droppedAttributesCount = v),
  ),
  event_index: int((tc) => tc.eventIndex),
};

export const METRIC_TYPES = ['NONE', 'GAUGE', 'SUM', 'HISTOGRAM', 'EXPONENTIAL_HISTOGRAM', 'SUMMARY'] as const;
export function metricType(m: Metric): number {
  if (m.gauge) return 1;
  if (m.sum) return 2;
  if (m.histogram) return 3;
  if (m.exponentialHistogram) return 4;
  if (m.summary) return 5;
  return 0;
}
const temporalityOwner = (m: Metric) => m.sum ?? m.histogram ?? m.exponentialHistogram;

const metricFields: Record<string, Accessor> = {
  name: str(
    (tc) => tc.metric!.name,
    (tc, v) => (tc.metric!.name = v),
  ),
  description: str(
    (tc) => tc.metric!.description,
    (tc, v) => (tc.metric!.description = v),
  ),
  unit: str(
    (tc) => tc.metric!.unit,
    (tc, v) => (tc.metric!.unit = v),
  ),
  type: int((tc) => metricType(tc.metric!)),
  aggregation_temporality: int(
    (tc) => temporalityOwner(tc.metric!)?.aggregationTemporality ?? 0,
    (tc, v) => {
      const o = temporalityOwner(tc.metric!);
      if (o) o.aggregationTemporality = v;
    },
  ),
  is_monotonic: {
    type: 'bool',
    get: (tc) => tc.metric!.sum?.isMonotonic ?? false,
    set: (tc, v) => {
      if (typeof v === 'boolean' && tc.metric!.sum) tc.metric!.sum.isMonotonic = v;
    },
  },
  metadata: attrs(
    (tc) => tc.metric!.metadata,
    (tc, kvs) => (tc.metric!.metadata = kvs),
  ),
};

const dpField = <K extends string>(key: K) => ({
  get: (tc: TC) => (tc.dp as unknown as Record<K, unknown>)[key],
  set: (tc: TC, v: unknown) => ((tc.dp as unknown as Record<K, unknown>)[key] = v),
});
/** a field only some kinds of data point have: nil on the others, and no change */
function dpOnly(
  kinds: DataPointKind[],
  type: StaticType,
  key: string,
  read: (x: unknown) => Value,
  ok: (v: Value) => unknown,
): Accessor {
  const f = dpField(key);
  return {
    type,
    get: (tc) => (kinds.includes(tc.dpKind!) ? read(f.get(tc)) : null),
    set: (tc, v) => {
      const stored = ok(v);
      if (kinds.includes(tc.dpKind!) && stored !== undefined) f.set(tc, stored);
    },
  };
}
const HIST: DataPointKind[] = ['histogram', 'exponential', 'summary'];
const asBig = (v: Value) => (typeof v === 'bigint' ? v : undefined);
const asNum = (v: Value) => (typeof v === 'number' ? v : undefined);
const asBigList = (v: Value) =>
  Array.isArray(v) && v.every((x) => typeof x === 'bigint') ? (v as bigint[]) : undefined;
const asNumList = (v: Value) =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
const buckets = (side: 'positive' | 'negative'): Record<string, Accessor> => ({
  [`${side}.offset`]: {
    type: 'int',
    get: (tc) => (tc.dpKind === 'exponential' ? BigInt((tc.dp as ExponentialHistogramDataPoint)[side].offset) : null),
    set: (tc, v) => {
      const dp = tc.dp as ExponentialHistogramDataPoint;
      if (tc.dpKind === 'exponential' && typeof v === 'bigint') dp[side] = { ...dp[side], offset: Number(v) };
    },
  },
  [`${side}.bucket_counts`]: {
    type: 'slice',
    get: (tc) =>
      tc.dpKind === 'exponential' ? [...(tc.dp as ExponentialHistogramDataPoint)[side].bucketCounts] : null,
    set: (tc, v) => {
      const dp = tc.dp as ExponentialHistogramDataPoint;
      const list = asBigList(v);
      if (tc.dpKind === 'exponential' && list) dp[side] = { ...dp[side], bucketCounts: list };
    },
  },
});

const dataPointFields: Record<string, Accessor> = {
  attributes: attrs(
    (tc) => tc.dp!.attributes,
    (tc, kvs) => (tc.dp!.attributes = kvs),
  ),
  start_time_unix_nano: nanos(
    (tc) => tc.dp!.startTimeUnixNano,
    (tc, v) => (tc.dp!.startTimeUnixNano = v),
  ),
  time_unix_nano: nanos(
    (tc) => tc.dp!.timeUnixNano,
    (tc, v) => (tc.dp!.timeUnixNano = v),
  ),
  start_time: time(
    (tc) => tc.dp!.startTimeUnixNano,
    (tc, v) => (tc.dp!.startTimeUnixNano = v),
  ),
  time: time(
    (tc) => tc.dp!.timeUnixNano,
    (tc, v) => (tc.dp!.timeUnixNano = v),
  ),
  value_double: {
    type: 'float',
    get: (tc) => (tc.dpKind === 'number' ? ((tc.dp as NumberDataPoint).asDouble ?? 0) : null),
    set: (tc, v) => {
      if (tc.dpKind !== 'number' || typeof v !== 'number') return;
      const dp = tc.dp as NumberDataPoint;
      delete dp.asInt;
      dp.asDouble = v;
    },
  },
  value_int: {
    type: 'int',
    get: (tc) => (tc.dpKind === 'number' ? ((tc.dp as NumberDataPoint).asInt ?? 0n) : null),
    set: (tc, v) => {
      if (tc.dpKind !== 'number' || typeof v !== 'bigint') return;
      const dp = tc.dp as NumberDataPoint;
      delete dp.asDouble;
      dp.asInt = v;
    },
  },
  flags: int(
    (tc) => tc.dp!.flags,
    (tc, v) => (tc.dp!.flags = v),
  ),
  count: dpOnly(HIST, 'int', 'count', (x) => x as bigint, asBig),
  sum: dpOnly(HIST, 'float', 'sum', (x) => (x as number | undefined) ?? 0, asNum),
  bucket_counts: dpOnly(['histogram'], 'slice', 'bucketCounts', (x) => [...(x as bigint[])], asBigList),
  explicit_bounds: dpOnly(['histogram'], 'slice', 'explicitBounds', (x) => [...(x as number[])], asNumList),
  scale: dpOnly(
    ['exponential'],
    'int',
    'scale',
    (x) => BigInt(x as number),
    (v) => (typeof v === 'bigint' ? Number(v) : undefined),
  ),
  zero_count: dpOnly(['exponential'], 'int', 'zeroCount', (x) => x as bigint, asBig),
  ...buckets('positive'),
  ...buckets('negative'),
};

const logFields: Record<string, Accessor> = {
  time_unix_nano: nanos(
    (tc) => tc.log!.timeUnixNano,
    (tc, v) => (tc.log!.timeUnixNano = v),
  ),
  observed_time_unix_nano: nanos(
    (tc) => tc.log!.observedTimeUnixNano,
    (tc, v) => (tc.log!.observedTimeUnixNano = v),
  ),
  time: time(
    (tc) => tc.log!.timeUnixNano,
    (tc, v) => (tc.log!.timeUnixNano = v),
  ),
  observed_time: time(
    (tc) => tc.log!.observedTimeUnixNano,
    (tc, v) => (tc.log!.observedTimeUnixNano = v),
  ),
  severity_number: int(
    (tc) => tc.log!.severityNumber,
    (tc, v) => (tc.log!.severityNumber = v),
  ),
  severity_text: str(
    (tc) => tc.log!.severityText,
    (tc, v) => (tc.log!.severityText = v),
  ),
  body: {
    type: 'any',
    get: (tc) => fromAny(tc.log!.body),
    set: (tc, v) => {
      const av = toAny(v);
      if (av) tc.log!.body = av;
    },
  },
  'body.string': {
    type: 'string',
    get: (tc) => {
      const b = fromAny(tc.log!.body);
      return asString(b) ?? '';
    },
    set: (tc, v) => {
      if (typeof v === 'string') tc.log!.body = { stringValue: v };
    },
  },
  attributes: attrs(
    (tc) => tc.log!.attributes,
    (tc, kvs) => (tc.log!.attributes = kvs),
  ),
  dropped_attributes_count: int(
    (tc) => tc.log!.droppedAttributesCount,
    (tc, v) => (tc.log!.droppedAttributesCount = v),
  ),
  flags: int(
    (tc) => tc.log!.flags,
    (tc, v) => (tc.log!.flags = v),
  ),
  ...idFields(
    'trace_id',
    16,
    (tc) => tc.log!.traceId,
    (tc, v) => (tc.log!.traceId = v),
  ),
  ...idFields(
    'span_id',
    8,
    (tc) => tc.log!.spanId,
    (tc, v) => (tc.log!.spanId = v),
  ),
  event_name: str(
    (tc) => tc.log!.eventName,
    (tc, v) => (tc.log!.eventName = v),
  ),
};

export const FIELDS: Record<ContextName, Record<string, Accessor>> = {
  resource: resourceFields,
  scope: scopeFields,
  span: spanFields,
  spanevent: spanEventFields,
  metric: metricFields,
  datapoint: dataPointFields,
  log: logFields,
};

const cacheField: Accessor = {
  type: 'map',
  get: (tc) => new OMap(tc.cache),
  set: (tc, v) => {
    if (v instanceof OMap) tc.cache = v.kvs.slice();
  },
};

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** The enums each context knows, by the contexts whose paths it may use. */
export const ENUMS: Record<ContextName, Record<string, bigint>> = (() => {
  const span: Record<string, bigint> = {};
  SPAN_KIND_ENUMS.forEach((k, i) => (span[k] = BigInt(i)));
  ['UNSET', 'OK', 'ERROR'].forEach((k, i) => (span[`STATUS_CODE_${k}`] = BigInt(i)));
  const metric: Record<string, bigint> = {};
  ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'].forEach((k, i) => (metric[`AGGREGATION_TEMPORALITY_${k}`] = BigInt(i)));
  METRIC_TYPES.forEach((k, i) => (metric[`METRIC_DATA_TYPE_${k}`] = BigInt(i)));
  const datapoint = { ...metric, FLAG_NONE: 0n, FLAG_NO_RECORDED_VALUE: 1n };
  const log: Record<string, bigint> = { SEVERITY_NUMBER_UNSPECIFIED: 0n };
  SEVERITIES.forEach((s, i) => {
    log[`SEVERITY_NUMBER_${s}`] = BigInt(i * 4 + 1);
    for (let n = 2; n <= 4; n++) log[`SEVERITY_NUMBER_${s}${n}`] = BigInt(i * 4 + n);
  });
  return { resource: {}, scope: {}, span, spanevent: span, metric, datapoint, log };
})();

export class PathError extends Error {}

/**
 * Resolves a path in a context. `segments` is the path as written; a first segment naming a
 * context the current one can read selects that context's fields, anything else is a field of
 * the current context (the grouped form's unprefixed paths). Returns the accessor of the
 * field, before its keys.
 */
export function resolvePath(
  context: ContextName,
  segments: PathSegment[],
  text: string,
): { accessor: Accessor; keys: PathSegment['keys']; keyed: boolean; target: ContextName | 'cache' } {
  let target: ContextName | 'cache' = context;
  let rest = segments;
  const first = segments[0].name;
  const named = PATH_PREFIXES[first];
  if (first === 'cache') {
    target = 'cache';
  } else if (named === context && segments[1]?.name === 'cache') {
    // `log.cache`, `resource.cache`: the prefixed form of the context's own cache
    if (segments.length > 2) throw new PathError(`path ${JSON.stringify(text)}: cache has no fields`);
    return { accessor: cacheField, keys: segments[1].keys, keyed: true, target: 'cache' };
  } else if (named !== undefined && segments.length > 1 && !FIELDS[context][first]) {
    if (!CONTEXT_SCOPE[context].includes(named))
      throw new PathError(`path ${JSON.stringify(text)}: the ${context} context cannot read ${named} paths`);
    target = named;
    rest = segments.slice(1);
  } else if (named !== undefined && segments.length === 1) {
    throw new PathError(`path ${JSON.stringify(text)}: ${first} alone is not a supported path`);
  }
  if (target === 'cache') {
    if (segments.length > 1) throw new PathError(`path ${JSON.stringify(text)}: cache has no fields`);
    return { accessor: cacheField, keys: segments[0].keys, keyed: true, target };
  }
  for (let i = 0; i < rest.length - 1; i++)
    if (rest[i].keys.length)
      throw new PathError(`path ${JSON.stringify(text)}: keys are only allowed at the end of a path`);
  const name = rest.map((s) => s.name).join('.');
  const accessor = FIELDS[target][name];
  if (!accessor) {
    const valid = Object.keys(FIELDS[target]).join(', ');
    throw new PathError(
      `segment ${JSON.stringify(name)} from path ${JSON.stringify(text)} is not a valid path for the ${target} context (valid: ${valid}${target === context ? ', cache' : ''})`,
    );
  }
  const keys = rest[rest.length - 1].keys;
  if (keys.length && !['map', 'any', 'slice'].includes(accessor.type) && name !== 'trace_state')
    throw new PathError(`path ${JSON.stringify(text)}: ${name} (${accessor.type}) cannot be indexed`);
  return { accessor, keys, keyed: keys.length > 0, target };
}

/** The value under `keys` of a map or slice, nil where a key is missing. */
export function getIn(v: Value, keys: Value[]): Value {
  for (const k of keys) {
    if (v === null) return null;
    if (typeof k === 'string') {
      if (!(v instanceof OMap)) throw new OttlRuntimeError(`type ${typeName(v)} does not support string indexing`);
      v = fromAny(mapGet(v.kvs, k));
    } else if (typeof k === 'bigint') {
      if (!Array.isArray(v)) throw new OttlRuntimeError(`type ${typeName(v)} does not support int indexing`);
      if (k < 0n || k >= BigInt(v.length))
        throw new OttlRuntimeError(`index ${k} out of bounds for a slice of length ${v.length}`);
      v = v[Number(k)];
    } else throw new OttlRuntimeError(`a key must be a string or an int, got ${typeName(k)}`);
  }
  return v;
}

/** `container` with `value` put under `keys`: new maps and lists along the way, missing maps created. */
export function setIn(container: Value, keys: Value[], value: Value, i = 0): Value {
  if (i === keys.length) return value;
  const k = keys[i];
  if (typeof k === 'string') {
    const kvs = container instanceof OMap ? container.kvs : container === null ? [] : undefined;
    if (!kvs) throw new OttlRuntimeError(`type ${typeName(container)} does not support string indexing`);
    const child = setIn(fromAny(mapGet(kvs, k)), keys, value, i + 1);
    const av = toAny(child);
    return new OMap(av ? mapSet(kvs, k, av) : kvs);
  }
  if (typeof k === 'bigint') {
    if (!Array.isArray(container))
      throw new OttlRuntimeError(`type ${typeName(container)} does not support int indexing`);
    if (k < 0n || k >= BigInt(container.length))
      throw new OttlRuntimeError(`index ${k} out of bounds for a slice of length ${container.length}`);
    const out = container.slice();
    out[Number(k)] = setIn(out[Number(k)], keys, value, i + 1);
    return out;
  }
  throw new OttlRuntimeError(`a key must be a string or an int, got ${typeName(k)}`);
}

/** W3C trace state as key=value pairs, for trace_state["key"] */
export const traceStateAccessor = {
  get(ts: string, key: string): Value {
    for (const member of ts.split(',')) {
      const eq = member.indexOf('=');
      if (eq > 0 && member.slice(0, eq).trim() === key) return member.slice(eq + 1).trim();
    }
    return null;
  },
  set(ts: string, key: string, value: string): string {
    const members = ts
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m && m.slice(0, m.indexOf('=')) !== key);
    return [`${key}=${value}`, ...members].join(',');
  },
};
