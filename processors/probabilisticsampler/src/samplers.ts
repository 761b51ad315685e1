// contrib's sampler modes (sampler_mode.go): where an item's randomness comes from, the
// threshold each mode decides, and the per-item logic every mode shares.
import type { AnyValue, KeyValue, LogRecord, Span } from '@flowtel/pdata';
import type { ProbabilisticSamplerConfig } from './config.ts';
import {
  ALL_PROBABILITIES,
  ALWAYS_SAMPLE,
  MIN_SAMPLING_PROBABILITY,
  NEVER_SAMPLE,
  probability,
  probabilityToThreshold,
  type Randomness,
  rvalue,
  rvalueToRandomness,
  SamplingError,
  shouldSample,
  type Threshold,
  traceIdRandomness,
  tvalue,
  tvalueToThreshold,
  W3CTraceState,
} from './sampling.ts';

/** Conditions contrib logs at debug level: ordinary, per item. */
export class SamplerError extends Error {}
export const ERR_INCONSISTENT_ARRIVING = 'inconsistent arriving threshold: item should not have been sampled';
export const ERR_MISSING_RANDOMNESS = 'missing randomness';
export const ERR_RANDOMNESS_IN_USE = 'item has sampling randomness, equalizing or proportional mode recommended';
export const ERR_THRESHOLD_IN_USE = 'item has sampling threshold, equalizing or proportional mode recommended';

/** An item's randomness and the policy name its counter carries. */
export interface Rnd {
  value: Randomness;
  policy: string;
  missing?: boolean;
}
const MISSING: Rnd = { value: ALL_PROBABILITIES, policy: 'missing_randomness', missing: true };

/** Where an item carries its sampling information: a span's tracestate or a record's attributes. */
export interface Carrier {
  explicitRandomness(): Randomness | undefined;
  setExplicitRandomness(r: Randomness): void;
  threshold(): Threshold | undefined;
  clearThreshold(): void;
  /** throws SamplingError when it would raise the probability */
  updateThreshold(th: Threshold): void;
  reserialize(): void;
}

class TraceStateCarrier implements Carrier {
  constructor(
    private readonly span: Span,
    private readonly ts: W3CTraceState,
  ) {}
  explicitRandomness = () => (this.ts.ot.hasRValue ? this.ts.ot.randomness : undefined);
  setExplicitRandomness = (r: Randomness) => this.ts.ot.setRValue(r);
  threshold = () => (this.ts.ot.hasTValue ? this.ts.ot.threshold : undefined);
  clearThreshold = () => this.ts.ot.clearTValue();
  updateThreshold = (th: Threshold) => this.ts.ot.updateTValue(th);
  reserialize = () => {
    this.span.traceState = this.ts.serialize();
  };
}

const THRESHOLD_ATTR = 'sampling.threshold';
const RANDOMNESS_ATTR = 'sampling.randomness';

function strAttr(attrs: KeyValue[], key: string): string {
  const v = attrs.find((kv) => kv.key === key)?.value;
  return v && 'stringValue' in v ? v.stringValue : '';
}

function putStr(record: LogRecord, key: string, value: string): void {
  // a new list and KeyValue: received ones may be shared (pdata's sharedAttr)
  const attrs = record.attributes.filter((kv) => kv.key !== key);
  attrs.push({ key, value: { stringValue: value } });
  record.attributes = attrs;
}

class RecordCarrier implements Carrier {
  private tv = '';
  private th: Threshold = 0n;
  private rv = '';
  private rnd: Randomness = 0n;

  /** throws the parse errors of sampling.threshold / sampling.randomness */
  constructor(private readonly record: LogRecord) {
    const errors: string[] = [];
    const t = strAttr(record.attributes, THRESHOLD_ATTR);
    if (t !== '') {
      try {
        this.th = tvalueToThreshold(t);
        this.tv = t;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    const r = strAttr(record.attributes, RANDOMNESS_ATTR);
    if (r !== '') {
      try {
        this.rnd = rvalueToRandomness(r);
        this.rv = r;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new SamplingError(errors.reverse().join('\n'));
  }
  explicitRandomness = () => (this.rv !== '' ? this.rnd : undefined);
  setExplicitRandomness = (r: Randomness) => {
    this.rnd = r;
    this.rv = rvalue(r);
    putStr(this.record, RANDOMNESS_ATTR, this.rv);
  };
  threshold = () => (this.tv !== '' ? this.th : undefined);
  clearThreshold = () => {
    this.th = NEVER_SAMPLE;
    this.tv = '';
    this.record.attributes = this.record.attributes.filter((kv) => kv.key !== THRESHOLD_ATTR);
  };
  updateThreshold = (th: Threshold) => {
    const exist = this.threshold();
    if (exist !== undefined && th < exist) throw new SamplingError('cannot raise existing sampling probability');
    putStr(this.record, THRESHOLD_ATTR, tvalue(th));
  };
  reserialize = () => {};
}

/** Go's hash/fnv FNV-1a, 32 bits, over the seed's 4 little-endian bytes and then `b`. */
export function fnv1a32(b: Uint8Array, seed: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ ((seed >>> (8 * i)) & 0xff), 0x01000193);
  for (const x of b) h = Math.imul(h ^ x, 0x01000193);
  return h >>> 0;
}

const HASH_BUCKETS = 0x4000;

/**
 * contrib's randomnessFromBytes: the 14-bit FNV bucket as an R-value's leading bits (so that
 * the hash_seed decision is the original `hash & 0x3fff < percent * 163.84`), the hash's other
 * 18 bits mixed into the middle, the bucket again at the end.
 */
export function hashRandomness(b: Uint8Array, seed: number): Randomness {
  const hashed32 = fnv1a32(b, seed);
  const hashed = BigInt(hashed32 & (HASH_BUCKETS - 1));
  const rprime14 = BigInt(HASH_BUCKETS - 1) - hashed;
  const unused18 = BigInt(hashed32 >>> 14);
  const mixed28 = unused18 ^ (unused18 << 10n);
  return (rprime14 << 42n) | (mixed28 << 14n) | hashed;
}

const isEmptyId = (id: Uint8Array) => id.length === 0 || id.every((x) => x === 0);

/** pcommon bytes as they are, any other value by its string form (AsString) */
function valueBytes(v: AnyValue): Uint8Array {
  if ('bytesValue' in v) return v.bytesValue;
  if ('stringValue' in v) return Buffer.from(v.stringValue);
  if ('intValue' in v) return Buffer.from(v.intValue.toString());
  if ('boolValue' in v) return Buffer.from(String(v.boolValue));
  if ('doubleValue' in v) return Buffer.from(String(v.doubleValue));
  return Buffer.from(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
}

type FromItem<T> = (item: T) => { rnd: Rnd; carrier?: Carrier; err?: Error };

export interface DataSampler {
  decide(carrier: Carrier | undefined): Threshold;
  fromSpan: FromItem<Span>;
  fromLogRecord: FromItem<LogRecord>;
}

function traceStateOf(span: Span): { carrier?: TraceStateCarrier; err?: Error } {
  try {
    return { carrier: new TraceStateCarrier(span, W3CTraceState.parse(span.traceState)) };
  } catch (err) {
    return { err: err as Error };
  }
}

function recordCarrierOf(record: LogRecord): { carrier?: RecordCarrier; err?: Error } {
  try {
    return { carrier: new RecordCarrier(record) };
  } catch (err) {
    return { err: err as Error };
  }
}

/** equalizing and proportional: randomness from an explicit rv, else the trace id */
const consistent = {
  fromSpan(span: Span) {
    const { carrier, err } = traceStateOf(span);
    let rnd = MISSING;
    const rv = carrier?.explicitRandomness();
    if (rv !== undefined) rnd = { value: rv, policy: 'sampling_randomness' };
    else if (carrier && !isEmptyId(span.traceId))
      rnd = { value: traceIdRandomness(span.traceId), policy: 'trace_id_w3c' };
    return { rnd, carrier, err };
  },
  fromLogRecord(record: LogRecord) {
    const { carrier, err } = recordCarrierOf(record);
    let rnd = MISSING;
    const rv = carrier?.explicitRandomness();
    if (rv !== undefined) rnd = { value: rv, policy: 'sampling_randomness' };
    else if (carrier && !isEmptyId(record.traceId)) {
      rnd = { value: traceIdRandomness(record.traceId), policy: 'trace_id_w3c' };
    }
    return { rnd, carrier, err };
  },
};

const PRIORITY_RND = (value: Randomness): Rnd => ({ value, policy: 'sampling_priority' });

/** contrib's makeSampler, for a config as otelcol holds it (precision 0 meaning all 14 digits); an unset mode is hash_seed for traces and logs alike. */
export function makeSampler(cfg: ProbabilisticSamplerConfig): DataSampler {
  // a float32 in otelcol; above 100 is 100
  let pct = Math.fround(cfg.sampling_percentage);
  if (pct > 100) pct = 100;
  const mode = cfg.mode === '' ? 'hash_seed' : cfg.mode;
  const never: DataSampler = {
    decide: () => NEVER_SAMPLE,
    // a stand-in randomness: it is not used, and spares the missing-randomness error
    fromSpan: (span) => ({ rnd: PRIORITY_RND(ALL_PROBABILITIES), ...traceStateOf(span) }),
    fromLogRecord: (record) => ({ rnd: PRIORITY_RND(ALL_PROBABILITIES), ...recordCarrierOf(record) }),
  };
  if (pct === 0) return never;
  const ratio = Math.max(pct / 100, MIN_SAMPLING_PROBABILITY);
  const precision = cfg.sampling_precision;

  if (mode === 'equalizing') {
    const th = probabilityToThreshold(ratio, precision);
    return {
      ...consistent,
      decide: (carrier) => {
        const tv = carrier?.threshold();
        return tv !== undefined && th < tv ? tv : th;
      },
    };
  }
  if (mode === 'proportional') {
    return {
      ...consistent,
      decide: (carrier) => {
        const tv = carrier?.threshold();
        const incoming = tv !== undefined ? probability(tv) : 1;
        try {
          return probabilityToThreshold(incoming * ratio, precision);
        } catch {
          // the product fell below the smallest probability: not sampled
          return NEVER_SAMPLE;
        }
      },
    };
  }

  // hash_seed: the original arithmetic, a float32 product rounded toward zero, kept so that
  // decisions do not change across versions
  const scaled = Math.trunc(Math.fround(pct * Math.fround(HASH_BUCKETS / 100)));
  if (scaled === 0) return never;
  const th = BigInt(HASH_BUCKETS - scaled) << 42n;
  const seed = cfg.hash_seed;
  const traceIdEnabled = cfg.attribute_source === 'traceID';
  return {
    decide: () => th,
    fromSpan(span) {
      const rnd = isEmptyId(span.traceId)
        ? MISSING
        : { value: hashRandomness(span.traceId, seed), policy: 'trace_id_hash' };
      const { carrier, err } = traceStateOf(span);
      if (err) return { rnd, err };
      // sampling information from the OTel way of sampling is left alone
      if (carrier!.explicitRandomness() !== undefined) return { rnd, err: new SamplerError(ERR_RANDOMNESS_IN_USE) };
      if (carrier!.threshold() !== undefined) return { rnd, err: new SamplerError(ERR_THRESHOLD_IN_USE) };
      carrier!.setExplicitRandomness(rnd.value);
      return { rnd, carrier };
    },
    fromLogRecord(record) {
      let rnd = MISSING;
      if (traceIdEnabled && !isEmptyId(record.traceId)) {
        rnd = { value: hashRandomness(record.traceId, seed), policy: 'trace_id_hash' };
      }
      if (rnd.missing && cfg.from_attribute !== '') {
        const v = record.attributes.find((kv) => kv.key === cfg.from_attribute)?.value;
        const b = v && valueBytes(v);
        if (b && b.length > 0) rnd = { value: hashRandomness(b, seed), policy: cfg.from_attribute };
      }
      const { carrier, err } = recordCarrierOf(record);
      if (err) return { rnd, err };
      if (carrier!.explicitRandomness() !== undefined) return { rnd, err: new SamplerError(ERR_RANDOMNESS_IN_USE) };
      if (carrier!.threshold() !== undefined) return { rnd, err: new SamplerError(ERR_THRESHOLD_IN_USE) };
      if (!rnd.missing) carrier!.setExplicitRandomness(rnd.value);
      return { rnd, carrier };
    },
  };
}

/** contrib's consistencyCheck */
function consistencyCheck(rnd: Rnd, carrier: Carrier | undefined): Error | undefined {
  if (rnd.missing) return new SamplerError(ERR_MISSING_RANDOMNESS);
  const tv = carrier?.threshold();
  if (tv !== undefined && !shouldSample(tv, rnd.value)) {
    // the threshold is a lie: cleared, as the specification recommends, in case it fails open
    carrier!.clearThreshold();
    return new SamplerError(ERR_INCONSISTENT_ARRIVING);
  }
  return undefined;
}

export type Priority<T> = (item: T, rnd: Rnd, th: Threshold) => [Rnd, Threshold];

export interface Decision {
  sampled: boolean;
  policy: string;
  /** what went wrong finding the item's sampling information; `ordinary` ones log at debug */
  err?: Error;
}

/** contrib's commonShouldSampleLogic for one item. */
export function shouldSampleItem<T>(
  item: T,
  sampler: DataSampler,
  from: FromItem<T>,
  priority: Priority<T>,
  failClosed: boolean,
): Decision {
  const found = from(item);
  let rnd = found.rnd;
  const carrier = found.err ? undefined : found.carrier;
  const err = found.err ?? consistencyCheck(rnd, carrier);
  let th = err ? (failClosed ? NEVER_SAMPLE : ALWAYS_SAMPLE) : sampler.decide(carrier);
  [rnd, th] = priority(item, rnd, th);
  const sampled = shouldSample(th, rnd.value);
  let updateErr: Error | undefined;
  if (sampled && carrier) {
    try {
      carrier.updateThreshold(th);
    } catch (e) {
      // lowering a threshold is refused: working as intended
      updateErr = e as Error;
    }
    carrier.reserialize();
  }
  return { sampled, policy: rnd.policy, err: err ?? updateErr };
}

/** Go's strconv.ParseFloat for the texts sampling.priority carries; NaN when it is not a number. */
function parseGoFloat(s: string): number {
  if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(?:inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return NaN;
}

/** Traces: `sampling.priority` 0 never samples, above 0 always does (OpenTracing's tag). */
export const spanPriority: Priority<Span> = (span, rnd, th) => {
  const v = span.attributes.find((kv) => kv.key === 'sampling.priority')?.value;
  if (!v) return [rnd, th];
  let n = NaN;
  if ('intValue' in v) n = Number(v.intValue);
  else if ('doubleValue' in v) n = v.doubleValue;
  else if ('stringValue' in v) n = parseGoFloat(v.stringValue);
  if (n === 0) return [PRIORITY_RND(rnd.value), NEVER_SAMPLE];
  if (n > 0) return [PRIORITY_RND(rnd.value), ALWAYS_SAMPLE];
  return [rnd, th];
};

/** Logs: the `sampling_priority` attribute's number is a percentage that replaces the configured one. */
export function logPriority(attribute: string, precision: number): Priority<LogRecord> {
  return (record, rnd, th) => {
    if (attribute === '') return [rnd, th];
    const v = record.attributes.find((kv) => kv.key === attribute)?.value;
    let minProb = 0;
    if (v && 'doubleValue' in v) minProb = v.doubleValue / 100;
    else if (v && 'intValue' in v) minProb = Number(v.intValue) / 100;
    if (minProb === 0) return [rnd, th];
    try {
      return [PRIORITY_RND(rnd.value), probabilityToThreshold(minProb, precision)];
    } catch {
      return [rnd, th];
    }
  };
}
