import { createHash } from 'node:crypto';
import { filter, type OperatorFunction } from 'rxjs';
import { type Batch, type CreateSettings, permanent, type Processor } from '@flowtel/core';
import {
  type AnyValue,
  type KeyValue,
  type LogRecord,
  type Logs,
  type Metric,
  type Metrics,
  type Traces,
  valueAsString,
} from '@flowtel/pdata';
import { compileRegexp, type Regexp, replaceAllFunc } from '@flowtel/regexp';
import type { RedactionConfig } from './config.ts';

const SEPARATOR = ',';
const MASK = '****';

// the summary attributes contrib writes; they are always allowed so that a second redaction
// processor in a chain keeps (and adds to) the first one's summary
const SUMMARY_KEYS = [
  'redaction.redacted.keys',
  'redaction.redacted.count',
  'redaction.masked.keys',
  'redaction.masked.count',
  'redaction.allowed.keys',
  'redaction.allowed.count',
  'redaction.ignored.count',
  'redaction.body.redacted.keys',
  'redaction.body.redacted.count',
  'redaction.body.masked.keys',
  'redaction.body.masked.count',
  'redaction.body.allowed.keys',
  'redaction.body.allowed.count',
  'redaction.body.ignored.count',
];

interface Found {
  redacted: string[];
  masked: string[];
  allowed: string[];
  ignored: string[];
}
const found = (): Found => ({ redacted: [], masked: [], allowed: [], ignored: [] });
const str = (s: string): AnyValue => ({ stringValue: s });
/** pcommon.Value.Str(): the string of a string value, '' for any other type */
const strOf = (v: AnyValue): string => ('stringValue' in v ? v.stringValue : '');

/**
 * contrib's redaction rules over one attribute map or log body, in contrib's order per key:
 * ignored, then deleted when not allowed, then kept when its value is allowed, then masked
 * whole when the key is blocked, else the blocked parts of its value masked.
 */
export class Redactor {
  private readonly allowList: Set<string>;
  private readonly ignoreList: Set<string>;
  private readonly ignoreKeys: Regexp[];
  private readonly blockKeys: Regexp[];
  private readonly blockValues: Regexp[];
  private readonly allowValues: Regexp[];
  private readonly whole = compileRegexp('.*');
  private readonly hash: (s: string) => string;

  constructor(private readonly config: RedactionConfig) {
    this.allowList = new Set([...config.allowed_keys, ...SUMMARY_KEYS]);
    this.ignoreList = new Set(config.ignored_keys);
    this.ignoreKeys = config.ignored_key_patterns.map(compileRegexp);
    this.blockKeys = config.blocked_key_patterns.map(compileRegexp);
    this.blockValues = config.blocked_values.map(compileRegexp);
    this.allowValues = config.allowed_values.map(compileRegexp);
    const algorithm = { md5: 'md5', sha1: 'sha1', sha3: 'sha3-256' }[config.hash_function];
    this.hash = algorithm ? (s) => createHash(algorithm).update(s).digest('hex') : () => MASK;
  }

  private ignoresKey(k: string): boolean {
    return this.ignoreList.has(k) || this.ignoreKeys.some((re) => re.test(k));
  }

  private redactsKey(k: string): boolean {
    return !this.config.allow_all_keys && !this.allowList.has(k);
  }

  private masksKey(k: string): boolean {
    return this.blockKeys.some((re) => re.test(k));
  }

  private allowsValue(s: string): boolean {
    return this.allowValues.some((re) => re.test(s));
  }

  private mask(s: string, re: Regexp): string {
    return replaceAllFunc(re, s, this.hash);
  }

  private blocked(s: string): string {
    for (const re of this.blockValues) if (re.test(s)) s = this.mask(s, re);
    return s;
  }

  /** The attributes redacted (a new list when anything changed), with the summary added. */
  attributes(attrs: KeyValue[]): KeyValue[] {
    if (attrs.length === 0) return attrs;
    const f = found();
    const out: KeyValue[] = [];
    for (const kv of attrs) {
      const k = kv.key;
      if (this.ignoresKey(k)) {
        f.ignored.push(k);
        out.push(kv);
        continue;
      }
      if (this.redactsKey(k)) {
        f.redacted.push(k);
        continue;
      }
      const s = this.config.redact_all_types ? valueAsString(kv.value) : strOf(kv.value);
      if (this.allowsValue(s)) {
        f.allowed.push(k);
        out.push(kv);
        continue;
      }
      if (this.masksKey(k)) {
        f.masked.push(k);
        out.push({ key: k, value: str(this.mask(s, this.whole)) });
        continue;
      }
      const r = this.blocked(s);
      if (r !== s) {
        f.masked.push(k);
        // a new KeyValue: a received one may be shared by other items (pdata's sharedAttr)
        out.push({ key: k, value: str(r) });
      } else out.push(kv);
    }
    if (f.redacted.length + f.masked.length + f.allowed.length + f.ignored.length === 0) return attrs;
    this.summarize(f.redacted, out, 'redaction.redacted.keys', 'redaction.redacted.count');
    this.summarize(f.masked, out, 'redaction.masked.keys', 'redaction.masked.count');
    this.summarize(f.allowed, out, 'redaction.allowed.keys', 'redaction.allowed.count');
    this.summarize(f.ignored, out, '', 'redaction.ignored.count');
    return out;
  }

  /** A log record's body redacted, and its summary added to the record's attributes. */
  logRecord(log: LogRecord): void {
    const f = found();
    log.body = this.body(log.body, f);
    if (f.redacted.length + f.masked.length + f.allowed.length + f.ignored.length === 0) return;
    const attrs = [...log.attributes];
    this.summarize(f.redacted, attrs, 'redaction.body.redacted.keys', 'redaction.body.redacted.count');
    this.summarize(f.masked, attrs, 'redaction.body.masked.keys', 'redaction.body.masked.count');
    this.summarize(f.allowed, attrs, 'redaction.body.allowed.keys', 'redaction.body.allowed.count');
    this.summarize(f.ignored, attrs, '', 'redaction.body.ignored.count');
    log.attributes = attrs;
  }

  /** A body redacted: a new value when anything changed. */
  private body(body: AnyValue, f: Found): AnyValue {
    if ('kvlistValue' in body || 'arrayValue' in body) return this.nested('', body, f);
    const s = valueAsString(body);
    // contrib notes an allowed body nowhere (it returns before its summary)
    if (this.allowsValue(s)) return body;
    const r = this.blocked(s);
    if (r === s) return body;
    f.masked.push('body');
    return str(r);
  }

  /** A value in a body at `path` (keys joined by dots, list items as [i]; '' the body itself). */
  private nested(path: string, v: AnyValue, f: Found): AnyValue {
    const at = (segment: string) => (path === '' ? segment : `${path}.${segment}`);
    if ('kvlistValue' in v) {
      const kept: KeyValue[] = [];
      const redacted: string[] = [];
      for (const kv of v.kvlistValue.values) {
        const k = kv.key;
        if (this.ignoresKey(k)) {
          f.ignored.push(at(k));
          kept.push(kv);
        } else if (this.redactsKey(k)) redacted.push(at(k));
        else if (this.masksKey(k)) {
          f.masked.push(at(k));
          kept.push({ key: k, value: str(this.mask(strOf(kv.value), this.whole)) });
        } else kept.push({ key: k, value: this.nested(at(k), kv.value, f) });
      }
      f.redacted.push(...redacted);
      return { kvlistValue: { values: kept } };
    }
    if ('arrayValue' in v) {
      return { arrayValue: { values: v.arrayValue.values.map((x, i) => this.nested(at(`[${i}]`), x, f)) } };
    }
    const s = valueAsString(v);
    if (this.allowsValue(s)) {
      f.allowed.push(path);
      return v;
    }
    const r = this.blocked(s);
    if (r === s) return v;
    f.masked.push(path);
    return str(r);
  }

  /** contrib's addMetaAttrs: the keys (debug) and their count (info, debug), added to what is there. */
  private summarize(keys: string[], attrs: KeyValue[], keysAttr: string, countAttr: string): void {
    if (keys.length === 0) return;
    const { summary } = this.config;
    if (summary === 'debug' && keysAttr !== '') {
      const i = attrs.findIndex((kv) => kv.key === keysAttr);
      const before = i >= 0 ? strOf(attrs[i].value) : '';
      const all = before === '' ? [...keys] : [...keys, ...before.split(SEPARATOR)];
      put(attrs, keysAttr, str(all.sort().join(SEPARATOR)));
    }
    if (summary === 'info' || summary === 'debug') {
      const before = attrs.find((kv) => kv.key === countAttr)?.value;
      const n = BigInt(keys.length) + (before && 'intValue' in before ? before.intValue : 0n);
      put(attrs, countAttr, { intValue: n });
    }
  }
}

function put(attrs: KeyValue[], key: string, value: AnyValue): void {
  const i = attrs.findIndex((kv) => kv.key === key);
  if (i >= 0) attrs[i] = { key, value };
  else attrs.push({ key, value });
}

function dataPoints(m: Metric): { attributes: KeyValue[] }[] {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
}

/**
 * contrib's redaction processor: the rules on the attributes of resources, scopes, spans, span
 * events, log records (and their bodies) and metric data points.
 */
export class RedactionProcessor implements Processor {
  private readonly redactor: Redactor;

  constructor(
    private readonly settings: CreateSettings,
    config: RedactionConfig,
  ) {
    this.redactor = new Redactor(config);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return filter((batch) => {
      try {
        if (batch.signal === 'traces') this.traces(batch.data);
        else if (batch.signal === 'logs') this.logs(batch.data);
        else if (batch.signal === 'metrics') this.metrics(batch.data);
        return true;
      } catch (err) {
        // half-redacted data must not leave: the batch is refused, and the refusal logged
        this.settings.logger.error(
          { err: (err as Error).message, items: batch.items },
          'redaction failed: batch refused',
        );
        batch.ack.reject(permanent(`redaction failed: ${(err as Error).message}`, { cause: err }));
        return false;
      }
    });
  }

  traces(data: Traces): void {
    const r = this.redactor;
    for (const rs of data.resourceSpans) {
      rs.resource.attributes = r.attributes(rs.resource.attributes);
      for (const ss of rs.scopeSpans) {
        ss.scope.attributes = r.attributes(ss.scope.attributes);
        for (const span of ss.spans) {
          span.attributes = r.attributes(span.attributes);
          for (const event of span.events) event.attributes = r.attributes(event.attributes);
        }
      }
    }
  }

  logs(data: Logs): void {
    const r = this.redactor;
    for (const rl of data.resourceLogs) {
      rl.resource.attributes = r.attributes(rl.resource.attributes);
      for (const sl of rl.scopeLogs) {
        sl.scope.attributes = r.attributes(sl.scope.attributes);
        for (const log of sl.logRecords) {
          log.attributes = r.attributes(log.attributes);
          r.logRecord(log);
        }
      }
    }
  }

  metrics(data: Metrics): void {
    const r = this.redactor;
    for (const rm of data.resourceMetrics) {
      rm.resource.attributes = r.attributes(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        sm.scope.attributes = r.attributes(sm.scope.attributes);
        for (const m of sm.metrics) for (const dp of dataPoints(m)) dp.attributes = r.attributes(dp.attributes);
      }
    }
  }
}
