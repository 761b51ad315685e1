// The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, parsed in one pass
// over the body. A sample keeps its series as written on the page ("name{a=\"b\"}"), not its
// labels: a scraper sees the same series text on every scrape, so it parses the labels once per
// series (parseSeries) and looks them up by that text afterwards, as Prometheus's scrape cache
// does. That is what makes a 10,000-series page cheap to scrape again.

export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface FamilyMetadata {
  type: MetricType;
  help?: string;
  unit?: string;
}

export interface ExpositionExemplar {
  /** label names and values, alternating */
  labels: string[];
  value: number;
  /** milliseconds; NaN when the exemplar has none */
  timestampMs: number;
}

export type ExpositionFormat = 'text' | 'openmetrics';

export interface Exposition {
  format: ExpositionFormat;
  /** by family name as the HELP/TYPE/UNIT lines give it */
  metadata: Map<string, FamilyMetadata>;
  /** per sample: its series as written, metric name and label set */
  series: string[];
  values: number[];
  /** per sample: milliseconds, NaN when the sample carries none */
  timestamps: number[];
  /** by sample index (OpenMetrics only) */
  exemplars: Map<number, ExpositionExemplar>;
}

export interface ParsedSeries {
  name: string;
  /** label names and values, alternating, in page order */
  labels: string[];
}

export class ExpositionParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

const TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
  untyped: 'unknown',
};
// the text format knows only these five
const TEXT_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const HASH = 0x23;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const COMMA = 0x2c;

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; label names take no colon
const isNameStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
const isNameChar = (c: number) => isNameStart(c) || (c >= 0x30 && c <= 0x39);
const isLabelStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isLabelChar = (c: number) => isLabelStart(c) || (c >= 0x30 && c <= 0x39);
const isBlank = (c: number) => c === SPACE || c === TAB;

/**
 * A float as Go's strconv.ParseFloat reads it on an exposition page: decimal and exponent
 * forms, NaN, and infinities with an optional sign, in any letter case.
 */
export function parseFloatToken(token: string): number {
  const n = Number(token);
  if (!Number.isNaN(n)) {
    // Number() takes forms ParseFloat does not: '', whitespace, 0x/0b/0o integers
    if (token.length === 0) return NaN;
    const c = token.charCodeAt(token.length > 1 ? 1 : 0);
    if (c === 0x78 || c === 0x58 || c === 0x62 || c === 0x42 || c === 0x6f || c === 0x4f) return NaN;
    return n;
  }
  switch (token.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  return NaN;
}

/** Whether a token is a float ParseFloat would accept (NaN itself included). */
function isFloatToken(token: string): boolean {
  if (!Number.isNaN(parseFloatToken(token))) return true;
  return token.toLowerCase() === 'nan';
}

function unescapeLabelValue(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\' || i + 1 === raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\' || next === '"') out += next;
    else out += '\\' + next;
  }
  return out;
}

function unescapeHelp(raw: string, openMetrics: boolean): string {
  if (raw.indexOf('\\') < 0) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\' || i + 1 === raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\' || (openMetrics && next === '"')) out += next;
    else out += '\\' + next;
  }
  return out;
}

/**
 * Where the label set that opens at `open` (a `{`) closes: the index after its `}`. Throws on
 * an unterminated set or value. Label syntax inside is checked by parseLabelSet.
 */
function labelSetEnd(text: string, open: number, lineEnd: number, line: number): number {
  let i = open + 1;
  while (i < lineEnd) {
    const c = text.charCodeAt(i);
    if (c === RBRACE) return i + 1;
    if (c === QUOTE) {
      i++;
      while (i < lineEnd) {
        const q = text.charCodeAt(i);
        if (q === BACKSLASH) i += 2;
        else if (q === QUOTE) break;
        else i++;
      }
      if (i >= lineEnd) throw new ExpositionParseError('unterminated label value', line);
    }
    i++;
  }
  throw new ExpositionParseError('label set without a closing "}"', line);
}

/** Parses `{a="b",c="d"}` (the braces included) into alternating names and values. */
function parseLabelSet(text: string, open: number, close: number, out: string[], line: number): void {
  let i = open + 1;
  const end = close - 1; // the `}`
  const skipBlanks = () => {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
  };
  skipBlanks();
  while (i < end) {
    const nameStart = i;
    if (!isLabelStart(text.charCodeAt(i)))
      throw new ExpositionParseError(`invalid label name at "${text.slice(i, end)}"`, line);
    while (i < end && isLabelChar(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i);
    skipBlanks();
    if (text.charCodeAt(i) !== EQUALS) throw new ExpositionParseError(`expected "=" after label name ${name}`, line);
    i++;
    skipBlanks();
    if (text.charCodeAt(i) !== QUOTE) throw new ExpositionParseError(`expected a quoted value for label ${name}`, line);
    const valueStart = ++i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i += 2;
      else if (c === QUOTE) break;
      else i++;
    }
    out.push(name, unescapeLabelValue(text.slice(valueStart, i)));
    i++; // the closing quote
    skipBlanks();
    if (i < end) {
      if (text.charCodeAt(i) !== COMMA) throw new ExpositionParseError(`expected "," or "}" after label ${name}`, line);
      i++;
      skipBlanks();
    }
  }
  for (let a = 0; a < out.length; a += 2) {
    for (let b = a + 2; b < out.length; b += 2) {
      if (out[a] === out[b]) throw new ExpositionParseError(`label ${out[a]} appears twice`, line);
    }
  }
}

/** The metric name and labels of a series as a page writes it (a key of Exposition.series). */
export function parseSeries(series: string, line = 0): ParsedSeries {
  let i = 0;
  while (i < series.length && isNameChar(series.charCodeAt(i))) i++;
  const name = series.slice(0, i);
  if (name.length === 0 || !isNameStart(name.charCodeAt(0))) {
    throw new ExpositionParseError(`invalid metric name in "${series}"`, line);
  }
  while (i < series.length && isBlank(series.charCodeAt(i))) i++;
  const labels: string[] = [];
  if (i < series.length) {
    if (series.charCodeAt(i) !== LBRACE || series.charCodeAt(series.length - 1) !== RBRACE) {
      throw new ExpositionParseError(`invalid series "${series}"`, line);
    }
    parseLabelSet(series, i, series.length, labels, line);
  }
  return { name, labels };
}

/**
 * The format a Content-Type header names: OpenMetrics for application/openmetrics-text,
 * otherwise the text format (what Prometheus falls back to for a missing or unknown type).
 */
export function formatOf(contentType: string | undefined): ExpositionFormat {
  return contentType !== undefined && /^\s*application\/openmetrics-text/i.test(contentType) ? 'openmetrics' : 'text';
}

/** Parses a whole page. Throws ExpositionParseError (with its line) on the first malformed line. */
export function parseExposition(text: string, format: ExpositionFormat): Exposition {
  const om = format === 'openmetrics';
  const out: Exposition = {
    format,
    metadata: new Map(),
    series: [],
    values: [],
    timestamps: [],
    exemplars: new Map(),
  };
  const meta = (name: string): FamilyMetadata => {
    let m = out.metadata.get(name);
    if (!m) {
      m = { type: 'unknown' };
      out.metadata.set(name, m);
    }
    return m;
  };
  let pos = 0;
  let line = 0;
  let sawEof = false;
  const len = text.length;
  while (pos < len) {
    line++;
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = len;
    const next = lineEnd + 1;
    // tolerate CRLF pages
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    if (sawEof) {
      if (lineEnd > pos) throw new ExpositionParseError('content after "# EOF"', line);
      pos = next;
      continue;
    }
    let i = pos;
    if (!om) while (i < lineEnd && isBlank(text.charCodeAt(i))) i++;
    if (i === lineEnd) {
      if (om && lineEnd < len) throw new ExpositionParseError('empty line', line);
      pos = next;
      continue;
    }
    const first = text.charCodeAt(i);
    if (first === HASH) {
      if (comment(text, i, lineEnd, line)) sawEof = true;
      pos = next;
      continue;
    }
    sample(text, i, lineEnd, line);
    pos = next;
  }
  if (om && !sawEof) throw new ExpositionParseError('an OpenMetrics page must end with "# EOF"', line);
  return out;

  /** A `#` line; returns true for `# EOF`. */
  function comment(text: string, start: number, end: number, line: number): boolean {
    const body = text.slice(start + 1, end);
    if (om && body === ' EOF') return true;
    const m = /^[ \t]+(HELP|TYPE|UNIT)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(body);
    if (!m) {
      if (om) throw new ExpositionParseError(`invalid comment "#${body}"`, line);
      return false; // a plain comment in the text format
    }
    const [, keyword, name, rest = ''] = m;
    if (!isNameStart(name.charCodeAt(0)) || ![...name].every((ch) => isNameChar(ch.charCodeAt(0)))) {
      throw new ExpositionParseError(`invalid metric name "${name}" in ${keyword}`, line);
    }
    const family = meta(name);
    if (keyword === 'HELP') family.help = unescapeHelp(rest, om);
    else if (keyword === 'UNIT') {
      if (!om) return false; // not part of the text format: a comment there
      family.unit = rest;
    } else {
      const t = rest.trim();
      const type = TYPES[t];
      if (type === undefined || (om ? t === 'untyped' : !TEXT_TYPES.has(t))) {
        throw new ExpositionParseError(`invalid metric type "${t}"`, line);
      }
      family.type = type;
    }
    return false;
  }

  function sample(text: string, start: number, end: number, line: number): void {
    let i = start;
    if (!isNameStart(text.charCodeAt(i)))
      throw new ExpositionParseError(`invalid line "${text.slice(start, end)}"`, line);
    while (i < end && isNameChar(text.charCodeAt(i))) i++;
    let seriesEnd = i;
    let j = i;
    if (!om) while (j < end && isBlank(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === LBRACE) {
      seriesEnd = labelSetEnd(text, j, end, line);
      i = seriesEnd;
    }
    const series = text.slice(start, seriesEnd);
    // blanks before the value: one space in OpenMetrics, any run in the text format
    if (i >= end || !isBlank(text.charCodeAt(i)))
      throw new ExpositionParseError(`expected a value after ${series}`, line);
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    let tokenEnd = i;
    while (tokenEnd < end && !isBlank(text.charCodeAt(tokenEnd))) tokenEnd++;
    const valueToken = text.slice(i, tokenEnd);
    const value = parseFloatToken(valueToken);
    if (Number.isNaN(value) && !isFloatToken(valueToken)) {
      throw new ExpositionParseError(`invalid value "${valueToken}" for ${series}`, line);
    }
    i = tokenEnd;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    let timestampMs = NaN;
    if (i < end && text.charCodeAt(i) !== HASH) {
      tokenEnd = i;
      while (tokenEnd < end && !isBlank(text.charCodeAt(tokenEnd))) tokenEnd++;
      timestampMs = timestamp(text.slice(i, tokenEnd), series, line);
      i = tokenEnd;
      while (i < end && isBlank(text.charCodeAt(i))) i++;
    }
    const index = out.series.length;
    if (i < end) {
      if (!om || text.charCodeAt(i) !== HASH) {
        throw new ExpositionParseError(`unexpected "${text.slice(i, end)}" after ${series}`, line);
      }
      out.exemplars.set(index, exemplar(text, i + 1, end, series, line));
    }
    out.series.push(series);
    out.values.push(value);
    out.timestamps.push(timestampMs);
  }

  function timestamp(token: string, series: string, line: number): number {
    if (om) {
      // seconds, possibly fractional
      const s = parseFloatToken(token);
      if (!Number.isFinite(s)) throw new ExpositionParseError(`invalid timestamp "${token}" for ${series}`, line);
      return Math.round(s * 1000);
    }
    // milliseconds, an integer
    if (!/^[+-]?\d+$/.test(token)) throw new ExpositionParseError(`invalid timestamp "${token}" for ${series}`, line);
    return Number(token);
  }

  function exemplar(text: string, start: number, end: number, series: string, line: number): ExpositionExemplar {
    let i = start;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== LBRACE) throw new ExpositionParseError(`invalid exemplar for ${series}`, line);
    const close = labelSetEnd(text, i, end, line);
    const labels: string[] = [];
    parseLabelSet(text, i, close, labels, line);
    let runes = 0;
    for (let k = 0; k < labels.length; k++) runes += [...labels[k]].length;
    if (runes > 128) throw new ExpositionParseError(`exemplar labels of ${series} exceed 128 characters`, line);
    const rest = text
      .slice(close, end)
      .trim()
      .split(/[ \t]+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') {
      throw new ExpositionParseError(`invalid exemplar value for ${series}`, line);
    }
    const value = parseFloatToken(rest[0]);
    if (Number.isNaN(value) && !isFloatToken(rest[0])) {
      throw new ExpositionParseError(`invalid exemplar value "${rest[0]}" for ${series}`, line);
    }
    let timestampMs = NaN;
    if (rest.length === 2) {
      const s = parseFloatToken(rest[1]);
      if (!Number.isFinite(s))
        throw new ExpositionParseError(`invalid exemplar timestamp "${rest[1]}" for ${series}`, line);
      timestampMs = Math.round(s * 1000);
    }
    return { labels, value, timestampMs };
  }
}
