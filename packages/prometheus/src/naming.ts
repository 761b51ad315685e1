// OTLP metric and attribute names to Prometheus names, by the rules of the contrib translator
// (pkg/translator/prometheus, now prometheus/otlptranslator): unit and type suffixes, escaping
// of characters outside the legacy set, and the four translation strategies.

export const TRANSLATION_STRATEGIES = [
  'UnderscoreEscapingWithSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'UnderscoreEscapingWithoutSuffixes',
  'NoTranslation',
] as const;
export type TranslationStrategy = (typeof TRANSLATION_STRATEGIES)[number];

export const shouldEscape = (s: TranslationStrategy) => s.startsWith('UnderscoreEscaping');
export const shouldAddSuffixes = (s: TranslationStrategy) => s.endsWith('WithSuffixes');

/** The kinds of metric that decide suffixes: `_total` for counters, `_ratio` for unit-1 gauges. */
export type NamedKind = 'counter' | 'gauge' | 'other';

// UCUM units to Prometheus base-unit words.
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

// The denominator of a rate unit ("By/s"), singular.
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const INVALID_METRIC_CHARS = /[^a-zA-Z0-9:]+/;
const INVALID_NAME_CHARS = /[^a-zA-Z0-9:_]+/;
const INVALID_UNIT_CHARS = /[^a-zA-Z0-9:_]/g;
const INVALID_LABEL_CHARS = /[^a-zA-Z0-9_]/g;
const startsWithDigit = (s: string) => s.length > 0 && s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;

/** The main and the "per" suffix of a UCUM unit; annotations (`{requests}`) give none. */
function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf('/');
  const mainUnit = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perUnit = slash < 0 ? '' : unit.slice(slash + 1).trim();
  const main = mainUnit !== '' && !/[{}]/.test(mainUnit) ? (UNIT_WORDS[mainUnit] ?? mainUnit) : '';
  let per = '';
  if (perUnit !== '' && !/[{}]/.test(perUnit)) per = `per_${PER_UNIT_WORDS[perUnit] ?? perUnit}`;
  return { main, per };
}

const cleanUnit = (unit: string) => unit.replace(INVALID_UNIT_CHARS, '_').replace(/__+/g, '_').replace(/^_/, '');

function escapedNameWithSuffixes(name: string, unit: string, kind: NamedKind, namespace: string): string {
  let tokens = name.split(INVALID_METRIC_CHARS).filter((t) => t !== '');
  const suffixes = unitSuffixes(unit);
  let main = cleanUnit(suffixes.main);
  let per = cleanUnit(suffixes.per);
  if (tokens.includes(main)) main = '';
  if (per === 'per_') per = '';
  else {
    per = per.replace(/_$/, '');
    if (tokens.includes(per)) per = '';
  }
  if (per !== '') main = main.replace(/_$/, '');
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);
  if (kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  if (namespace !== '') tokens.unshift(namespace);
  const joined = tokens.join('_');
  return startsWithDigit(joined) ? `_${joined}` : joined;
}

function escapedName(name: string, namespace: string): string {
  const join = (s: string) =>
    s
      .split(INVALID_NAME_CHARS)
      .filter((t) => t !== '')
      .join('_');
  const metricName = join(name);
  if (namespace !== '') return `${join(namespace)}_${metricName}`;
  return startsWithDigit(metricName) ? `_${metricName}` : metricName;
}

/** Removes `suffix` and the delimiter before it, when the name ends with them. */
function trimSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) && name.length > suffix.length + 1
    ? name.slice(0, name.length - suffix.length - 1)
    : name;
}

function utf8NameWithSuffixes(name: string, unit: string, kind: NamedKind): string {
  const ratio = unit === '1' && kind === 'gauge';
  const total = kind === 'counter';
  const { main, per } = unitSuffixes(unit);
  let out = name;
  if (ratio) out = trimSuffix(out, 'ratio');
  if (total) out = trimSuffix(out, 'total');
  if (per !== '') out = trimSuffix(out, per);
  if (main !== '' && !out.endsWith(main)) out = `${out}_${main}`;
  if (per !== '') out = `${out}_${per}`;
  if (total) out = `${out}_total`;
  if (ratio) out = `${out}_ratio`;
  return out;
}

export class MetricNamer {
  private readonly escape: boolean;
  private readonly suffixes: boolean;
  private readonly namespace: string;

  constructor(strategy: TranslationStrategy, namespace: string) {
    this.escape = shouldEscape(strategy);
    this.suffixes = shouldAddSuffixes(strategy);
    this.namespace = namespace;
  }

  /** The Prometheus name, or an Error when nothing usable is left of it. */
  build(name: string, unit: string, kind: NamedKind): string | Error {
    let out: string;
    if (!this.escape) {
      const prefixed = this.namespace !== '' ? `${this.namespace}_${name}` : name;
      out = this.suffixes ? utf8NameWithSuffixes(prefixed, unit, kind) : prefixed;
    } else {
      out = this.suffixes
        ? escapedNameWithSuffixes(name, unit, kind, this.namespace)
        : escapedName(name, this.namespace);
    }
    if (out === '') return new Error(`normalization for metric "${name}" resulted in empty name`);
    if (this.escape && out !== name && /^_*$/.test(out))
      return new Error(`normalization for metric "${name}" resulted in invalid name "${out}"`);
    return out;
  }
}

export class LabelNamer {
  private readonly escape: boolean;
  private readonly cache = new Map<string, string>();

  constructor(strategy: TranslationStrategy) {
    this.escape = shouldEscape(strategy);
  }

  /** The label name for an attribute key; '' when nothing usable is left of it. */
  build(key: string): string {
    if (!this.escape || key === '') return key;
    let out = this.cache.get(key);
    if (out !== undefined) return out;
    out = key.replace(INVALID_LABEL_CHARS, '_');
    if (startsWithDigit(out)) out = `key_${out}`;
    else if (out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
    if (out !== key && /^_*$/.test(out)) out = '';
    // attribute keys repeat on every point: the cache stays small in practice, and is capped
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, out);
    return out;
  }
}

/** The strategy a config asks for: `translation_strategy` when set, else what `add_metric_suffixes` says. */
export function translationStrategy(addMetricSuffixes: boolean, strategy?: TranslationStrategy): TranslationStrategy {
  return strategy ?? (addMetricSuffixes ? 'UnderscoreEscapingWithSuffixes' : 'UnderscoreEscapingWithoutSuffixes');
}

/**
 * Labels a config sets on every series (remote write's external_labels, the exporter's
 * const_labels): names sanitized like attribute keys, except reserved `__x__` ones.
 */
export function configLabels(
  labels: Record<string, string>,
  strategy: TranslationStrategy,
): Array<{ name: string; value: string }> {
  const namer = new LabelNamer(strategy);
  return Object.entries(labels).map(([name, value]) => ({
    name: name.startsWith('__') && shouldEscape(strategy) ? name.replace(/[^a-zA-Z0-9_]/g, '_') : namer.build(name),
    value,
  }));
}
