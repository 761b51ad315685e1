// What otelcol's debug output shows is Go's fmt and pdata String() methods; these reproduce
// them so the text reads the same.
import { type AnyValue, valueAsString, valueType } from '@flowtel/pdata';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** pcommon.Timestamp.String(): "2020-02-11 20:26:12.000000321 +0000 UTC". */
export function goTimestamp(ns: bigint): string {
  const seconds = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  const nanos = ns - seconds * 1_000_000_000n;
  const d = new Date(Number(seconds) * 1000);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const fraction = nanos === 0n ? '' : `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${date} ${time}${fraction} +0000 UTC`;
}

/** TraceID/SpanID String(): lowercase hex, empty for the all-zero id. */
export function goId(id: Uint8Array): string {
  if (id.every((b) => b === 0)) return '';
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/** fmt's %f: six decimals. */
export function goF(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  return x.toFixed(6);
}

/** fmt's %v for a float64 (%g, shortest digits): exponent form below 1e-4 and from 1e6. */
export function goV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  if (e >= -4 && e < 6) return String(x);
  return `${mantissa}e${e < 0 ? '-' : '+'}${pad2(Math.abs(e))}`;
}

/** The debug exporter's `Type(value)`. */
export const valueToString = (v: AnyValue): string => `${valueType(v)}(${valueAsString(v)})`;

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];
const TEMPORALITIES = ['Unspecified', 'Delta', 'Cumulative'];
const SEVERITY_LEVELS = ['Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal'];

export const spanKindName = (k: number): string => SPAN_KINDS[k] ?? '';
export const statusCodeName = (c: number): string => STATUS_CODES[c] ?? '';
export const temporalityName = (t: number): string => TEMPORALITIES[t] ?? '';

/** plog.SeverityNumber.String(): Info, Info2 ... Fatal4; Unspecified for 0. */
export function severityName(n: number): string {
  if (n === 0) return 'Unspecified';
  const level = SEVERITY_LEVELS[Math.floor((n - 1) / 4)];
  if (!level) return '';
  const step = (n - 1) % 4;
  return step === 0 ? level : `${level}${step + 1}`;
}
