// OpenTelemetry consistent probability sampling (OTEP 235, the W3C trace context level 2
// randomness) as contrib's pkg/sampling computes it: 56-bit thresholds and randomness values,
// their hex encodings (the `th` and `rv` fields of the `ot` tracestate section), probabilities
// rounded to a number of hex digits, and the W3C tracestate around the `ot` section.

/** 2^56: one more than the largest randomness value */
export const MAX_ADJUSTED_COUNT = 1n << 56n;
const HEX_DIGITS = 14;

/** A rejection threshold in [0, 2^56]: an item is sampled when its randomness is >= it. */
export type Threshold = bigint;
/** 56 random bits, from the trace id's last 7 bytes, an explicit `rv`, or a hash. */
export type Randomness = bigint;

export const ALWAYS_SAMPLE: Threshold = 0n;
export const NEVER_SAMPLE: Threshold = MAX_ADJUSTED_COUNT;
/** sampled at every probability */
export const ALL_PROBABILITIES: Randomness = MAX_ADJUSTED_COUNT - 1n;
export const MIN_SAMPLING_PROBABILITY = 2 ** -56;

/** contrib's errors, with its messages */
export class SamplingError extends Error {}
export const ERR_PROBABILITY_RANGE = 'sampling probability out of the range [1/MaxAdjustedCount, 1]';
export const ERR_INCONSISTENT_SAMPLING = 'cannot raise existing sampling probability';

const HEX = /^[0-9a-fA-F]+$/;
// Go's strconv error text, which contrib passes on
const syntaxError = (s: string) => new SamplingError(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);

export function tvalueToThreshold(s: string): Threshold {
  if (s.length > HEX_DIGITS) throw new SamplingError('t-value exceeds 14 hex digits');
  if (s.length === 0) throw new SamplingError('t-value is empty');
  if (!HEX.test(s)) throw syntaxError(s);
  // trailing zeros are left out of the encoding
  return BigInt(`0x${s}`) << BigInt(4 * (HEX_DIGITS - s.length));
}

export function rvalueToRandomness(s: string): Randomness {
  if (s.length !== HEX_DIGITS) throw new SamplingError('r-value must have 14 hex digits');
  if (!HEX.test(s)) throw syntaxError(s);
  return BigInt(`0x${s}`);
}

/** 14 hex digits with leading zeros; '' out of range */
export function rvalue(r: Randomness): string {
  return r >= MAX_ADJUSTED_COUNT ? '' : (MAX_ADJUSTED_COUNT + r).toString(16).slice(1);
}

/** the threshold's hex digits without trailing zeros; "0" for always */
export function tvalue(th: Threshold): string {
  return th === ALWAYS_SAMPLE ? '0' : rvalue(th).replace(/0+$/, '');
}

export const shouldSample = (th: Threshold, r: Randomness): boolean => r >= th;

export const probability = (th: Threshold): number => Number(MAX_ADJUSTED_COUNT - th) / 2 ** 56;

/** The randomness of a trace id: its least-significant 7 bytes. */
export function traceIdRandomness(id: Uint8Array): Randomness {
  let r = 0n;
  for (let i = 9; i < 16; i++) r = (r << 8n) | BigInt(id[i]);
  return r;
}

const inRange = (p: number) => p >= MIN_SAMPLING_PROBABILITY && p <= 1;

/** Go's math.Frexp exponent: x = frac * 2^exp with frac in [0.5, 1), for x > 0. */
function frexpExponent(x: number): number {
  let exp = Math.floor(Math.log2(x)) + 1;
  // log2 can be off by one near powers of two
  if (x / 2 ** exp >= 1) exp++;
  else if (x / 2 ** exp < 0.5) exp--;
  return exp;
}

/**
 * contrib's ProbabilityToThresholdWithPrecision: the threshold of a probability, rounded to
 * `precision` hex digits (0: all 14), plus one digit for each leading `0` or `f` the threshold
 * has (a probability near 1 or near 0), so that the relative error stays small at the extremes.
 */
export function probabilityToThreshold(p: number, precision: number): Threshold {
  if (precision === 0) precision = HEX_DIGITS;
  if (!inRange(p)) throw new SamplingError(ERR_PROBABILITY_RANGE);
  if (p === 1) return ALWAYS_SAMPLE;
  // Go's integer division truncates toward zero
  const extra = (exp: number) => Math.trunc(exp / -4);
  precision = Math.min(
    HEX_DIGITS,
    Math.max(precision + extra(frexpExponent(p)), precision + extra(frexpExponent(1 - p))),
  );
  let th = MAX_ADJUSTED_COUNT - BigInt(Math.round(p * 2 ** 56));
  const shift = BigInt(4 * (HEX_DIGITS - precision));
  if (shift !== 0n) th = ((th + (1n << (shift - 1n))) >> shift) << shift;
  return th;
}

interface KV {
  key: string;
  value: string;
}

/** The `ot` section of a tracestate: `rv`, `th` and the other fields, in their order. */
export class OTelTraceState {
  rvalue = '';
  randomness: Randomness = 0n;
  tvalue = '';
  threshold: Threshold = 0n;
  extra: KV[] = [];

  static parse(input: string): OTelTraceState {
    const ot = new OTelTraceState();
    if (input.length > 256) throw new SamplingError('trace state size exceeds limits');
    if (!/^[a-z][a-z0-9]*:[a-zA-Z0-9._-]*(?:;[a-z][a-z0-9]*:[a-zA-Z0-9._-]*)*$/.test(input)) {
      throw new SamplingError('invalid syntax');
    }
    for (const member of input.split(';')) {
      const i = member.indexOf(':');
      const key = member.slice(0, i);
      const value = member.slice(i + 1);
      if (key === 'rv') {
        ot.randomness = rvalueToRandomness(value);
        ot.rvalue = value;
      } else if (key === 'th') {
        ot.threshold = tvalueToThreshold(value);
        ot.tvalue = value;
      } else ot.extra.push({ key, value });
    }
    return ot;
  }

  get hasRValue(): boolean {
    return this.rvalue !== '';
  }

  get hasTValue(): boolean {
    return this.tvalue !== '';
  }

  setRValue(r: Randomness): void {
    this.randomness = r;
    this.rvalue = rvalue(r);
  }

  clearTValue(): void {
    this.tvalue = '';
    this.threshold = 0n;
  }

  /** Raises the threshold; lowering it (raising the probability) is refused. */
  updateTValue(th: Threshold): void {
    if (this.hasTValue && this.threshold > th) throw new SamplingError(ERR_INCONSISTENT_SAMPLING);
    this.threshold = th;
    this.tvalue = tvalue(th);
  }

  serialize(): string {
    const parts: string[] = [];
    if (this.hasRValue) parts.push(`rv:${this.rvalue}`);
    if (this.hasTValue) parts.push(`th:${this.tvalue}`);
    for (const kv of this.extra) parts.push(`${kv.key}:${kv.value}`);
    return parts.join(';');
  }
}

const W3C_KEY = /^(?:[a-z][a-z0-9_\-*/]*|[a-z0-9][a-z0-9_\-*/]*@[a-z][a-z0-9_\-*/]*)$/;
const W3C_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** A W3C tracestate: the `ot` section parsed, every other vendor's member kept as it came. */
export class W3CTraceState {
  ot = new OTelTraceState();
  extra: KV[] = [];

  static parse(input: string): W3CTraceState {
    const w3c = new W3CTraceState();
    if (input === '') return w3c;
    if (input.length > 1024) throw new SamplingError('trace state size exceeds limits');
    const members = input
      .split(',')
      .map((m) => m.replace(/^[ \t]+|[ \t]+$/g, ''))
      .filter((m) => m !== '');
    if (members.length > 32) throw new SamplingError('trace state size exceeds limits');
    for (const m of members) {
      const eq = m.indexOf('=');
      if (eq < 1 || !W3C_KEY.test(m.slice(0, eq)) || !W3C_VALUE.test(m.slice(eq + 1))) {
        throw new SamplingError('invalid syntax');
      }
    }
    for (const m of members) {
      const eq = m.indexOf('=');
      const key = m.slice(0, eq);
      const value = m.slice(eq + 1);
      const [tenant, system] = key.split('@');
      if (key.length > 256 || (system !== undefined && (tenant.length > 241 || system.length > 14))) {
        throw new SamplingError('trace state size exceeds limits');
      }
      if (key === 'ot') w3c.ot = OTelTraceState.parse(value);
      else w3c.extra.push({ key, value });
    }
    return w3c;
  }

  /** `ot` first (when it has anything), then the other members in their order. */
  serialize(): string {
    const parts: string[] = [];
    const ot = this.ot.serialize();
    if (ot !== '') parts.push(`ot=${ot}`);
    for (const kv of this.extra) parts.push(`${kv.key}=${kv.value}`);
    return parts.join(',');
  }
}
