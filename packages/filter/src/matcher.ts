// contrib's include/exclude decision (filterspan, filterlog, filtermetric NewSkipExpr): an item
// is skipped when `include` is given and does not match it, or `exclude` is given and matches
// it. Within one side every property given must match (names: any item of the list; attributes:
// all of them; libraries: all of them). The per-signal checks and their messages are contrib's
// and run when a processor is created for a pipeline of that signal.
import {
  type AnyValue,
  type InstrumentationScope,
  type KeyValue,
  type LogRecord,
  type Metric,
  type Resource,
  type Span,
  SPAN_KIND_NAMES,
  valueAsString as asString,
} from '@flowtel/pdata';
import { type MatchConfig, type MatchProperties, NAME_LISTS } from './config.ts';
import { createFilterSet, type FilterSet, type FilterSetConfig } from './filterset.ts';
import { anyValueFromRaw, findAttr, formatFloatF, valuesEqual } from './value.ts';

export type SpanSkip = (span: Span, resource: Resource, scope: InstrumentationScope) => boolean;
export type LogSkip = (log: LogRecord, resource: Resource, scope: InstrumentationScope) => boolean;
export type MetricSkip = (metric: Metric) => boolean;

const nonEmpty = (l: readonly unknown[] | undefined): boolean => l !== undefined && l.length > 0;

function filterSetConfig(p: MatchProperties): FilterSetConfig {
  return { match_type: p.match_type as FilterSetConfig['match_type'], regexp: p.regexp };
}

/** Combines an include and an exclude predicate into contrib's skip decision. */
function skipOf<A extends unknown[]>(
  include: ((...a: A) => boolean) | undefined,
  exclude: ((...a: A) => boolean) | undefined,
): ((...a: A) => boolean) | undefined {
  if (include && exclude) return (...a) => !include(...a) || exclude(...a);
  if (include) return (...a) => !include(...a);
  return exclude;
}

// ---- spans ----

export function spanSkipper(config: MatchConfig): SpanSkip | undefined {
  return skipOf(spanMatcher(config.include), spanMatcher(config.exclude));
}

function spanMatcher(p: MatchProperties | undefined): SpanSkip | undefined {
  if (!p) return undefined;
  if (nonEmpty(p.log_bodies)) throw new Error('log_bodies should not be specified for trace spans');
  if (nonEmpty(p.log_severity_texts)) throw new Error('log_severity_texts should not be specified for trace spans');
  if (p.log_severity_number) throw new Error('log_severity_number should not be specified for trace spans');
  if (![p.services, p.span_names, p.attributes, p.libraries, p.resources, p.span_kinds].some(nonEmpty)) {
    throw new Error('at least one of "attributes", "libraries",  or "resources" field must be specified');
  }
  if (nonEmpty(p.span_kinds) && p.match_type === 'strict') {
    const valid = SPAN_KIND_NAMES.slice(1);
    if (p.span_kinds!.some((k) => !valid.includes(k))) {
      throw new Error(
        `span_kinds string must match one of the standard span kinds when match_type=strict: [${[...valid].sort().join(' ')}]`,
      );
    }
  }
  const fs = filterSetConfig(p);
  const services = nonEmpty(p.services) ? createFilterSet(p.services!, fs) : undefined;
  const names = nonEmpty(p.span_names) ? createFilterSet(p.span_names!, fs) : undefined;
  const kinds = nonEmpty(p.span_kinds) ? createFilterSet(p.span_kinds!, fs) : undefined;
  const common = propertiesMatcher(p);
  return (span, resource, scope) => {
    if (services && !services.matches(serviceName(resource))) return false;
    if (names && !names.matches(span.name)) return false;
    if (kinds && !kinds.matches(SPAN_KIND_NAMES[span.kind] ?? '')) return false;
    return common(span.attributes, resource, scope);
  };
}

function serviceName(resource: Resource): string {
  const kv = findAttr(resource.attributes, 'service.name');
  return kv ? asString(kv.value) : '<nil-service-name>';
}

// ---- logs ----

export function logSkipper(config: MatchConfig): LogSkip | undefined {
  return skipOf(logMatcher(config.include), logMatcher(config.exclude));
}

function logMatcher(p: MatchProperties | undefined): LogSkip | undefined {
  if (!p) return undefined;
  if ([p.span_names, p.services, p.span_kinds].some(nonEmpty)) {
    throw new Error('services, span_names, and span_kinds are not valid for log records');
  }
  if (
    ![p.attributes, p.libraries, p.resources, p.log_bodies, p.log_severity_texts].some(nonEmpty) &&
    !p.log_severity_number
  ) {
    throw new Error(
      'at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", "log_severity_texts" or "log_severity_number" field must be specified',
    );
  }
  const fs = filterSetConfig(p);
  const bodies = nonEmpty(p.log_bodies) ? createFilterSet(p.log_bodies!, fs) : undefined;
  const texts = nonEmpty(p.log_severity_texts) ? createFilterSet(p.log_severity_texts!, fs) : undefined;
  const severity = p.log_severity_number;
  const common = propertiesMatcher(p);
  return (log, resource, scope) => {
    if (bodies && !bodies.matches(asString(log.body))) return false;
    if (texts && !texts.matches(log.severityText)) return false;
    if (severity) {
      // an unspecified severity matches only when match_undefined says so
      if (log.severityNumber === 0 ? !severity.match_undefined : log.severityNumber < severity.min) return false;
    }
    return common(log.attributes, resource, scope);
  };
}

/**
 * contrib's per-signal include/exclude checks, as creating a processor for `signal` makes them:
 * the message, or undefined. Metrics have none (their matching ignores what does not apply).
 */
export function includeExcludeProblem(config: MatchConfig, signal: 'traces' | 'logs' | 'metrics'): string | undefined {
  try {
    if (signal === 'traces') spanSkipper(config);
    else if (signal === 'logs') logSkipper(config);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// ---- metrics ----

/**
 * contrib's filtermetric for the attributes processor: a metric matches on its name only. The
 * other properties are accepted and not used, as in contrib; `ignored` names them so the
 * processor can say so once.
 */
export function metricSkipper(config: MatchConfig): MetricSkip | undefined {
  return skipOf(metricMatcher(config.include), metricMatcher(config.exclude));
}

function metricMatcher(p: MatchProperties | undefined): MetricSkip | undefined {
  if (!p || !nonEmpty(p.metric_names)) return undefined;
  const names = createFilterSet(p.metric_names!, filterSetConfig(p));
  return (metric) => names.matches(metric.name);
}

/** The properties given that contrib's metric matching does not look at. */
export function ignoredForMetrics(config: MatchConfig): string[] {
  const out: string[] = [];
  for (const side of ['include', 'exclude'] as const) {
    const p = config[side];
    if (!p) continue;
    for (const key of [...NAME_LISTS, 'attributes', 'resources', 'libraries'] as const) {
      if (nonEmpty(p[key])) out.push(`${side}.${key}`);
    }
    if (p.log_severity_number) out.push(`${side}.log_severity_number`);
  }
  return out;
}

// ---- what spans and logs share: attributes, resources, libraries ----

type PropertiesMatch = (attributes: readonly KeyValue[], resource: Resource, scope: InstrumentationScope) => boolean;

function propertiesMatcher(p: MatchProperties): PropertiesMatch {
  const fs = filterSetConfig(p);
  const libraries = (p.libraries ?? []).map((l) => ({
    name: createFilterSet([l.name], fs),
    version: l.version === undefined ? undefined : createFilterSet([l.version], fs),
  }));
  const attributes = attributesMatcher(p.attributes, fs);
  const resources = attributesMatcher(p.resources, fs);
  return (attrs, resource, scope) => {
    for (const l of libraries) {
      if (!l.name.matches(scope.name)) return false;
      if (l.version && !l.version.matches(scope.version)) return false;
    }
    if (resources && !resources(resource.attributes)) return false;
    return attributes ? attributes(attrs) : true;
  };
}

/** Every listed attribute present and, when a value is given, equal (strict) or matching (regexp). */
export function attributesMatcher(
  list: MatchProperties['attributes'],
  fs: FilterSetConfig,
): ((attributes: readonly KeyValue[]) => boolean) | undefined {
  if (!nonEmpty(list)) return undefined;
  const checks = list!.map(({ key, value }) => {
    if (value == null) return { key, test: () => true };
    if (fs.match_type === 'regexp') {
      const set: FilterSet = createFilterSet([value as string], fs);
      return {
        key,
        test: (v: AnyValue) => {
          const s = stringForRegexp(v);
          return s !== undefined && set.matches(s);
        },
      };
    }
    const expected = anyValueFromRaw(value);
    return { key, test: (v: AnyValue) => valuesEqual(expected, v) };
  });
  return (attributes) => {
    if (attributes.length === 0) return false;
    for (const { key, test } of checks) {
      const kv = findAttr(attributes, key);
      if (!kv || !test(kv.value)) return false;
    }
    return true;
  };
}

/** What a regexp is matched against: scalars as Go formats them; other types never match. */
function stringForRegexp(v: AnyValue): string | undefined {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return String(v.boolValue);
  if ('doubleValue' in v) return formatFloatF(v.doubleValue);
  if ('intValue' in v) return v.intValue.toString();
  return undefined;
}
