// contrib's AttrProc: the actions applied in order to one attribute list. Entries are replaced,
// never edited in place: items may share KeyValue and AnyValue objects (pdata's sharedAttr), and
// the values an action writes are shared by every item it writes them to.
import { createHash } from 'node:crypto';
import type { ClientInfo } from '@flowtel/core';
import { anyValueFromRaw, findAttr } from '@flowtel/filter';
import { compileRegexp, type Regexp } from '@flowtel/regexp';
import { type AnyValue, type KeyValue, valueAsString } from '@flowtel/pdata';
import { type ActionConfig, type ActionName, valueGiven } from './config.ts';

interface Action {
  action: ActionName;
  key: string;
  value?: AnyValue;
  defaultValue?: AnyValue;
  fromAttribute: string;
  fromContext: string;
  convertedType: string;
  regex?: Regexp;
}

/** Why a convert left a value as it was: contrib logs these at debug level. */
export type ConvertFailure = (key: string, message: string) => void;

export class AttrProc {
  private readonly actions: Action[];

  /** `actions` already checked by the config schema (actionsSchema). */
  constructor(actions: readonly ActionConfig[]) {
    this.actions = actions.map((a) => ({
      action: a.action.toLowerCase() as ActionName,
      key: a.key,
      value: valueGiven(a) ? anyValueFromRaw(a.value!) : undefined,
      defaultValue: a.default_value != null ? anyValueFromRaw(a.default_value) : undefined,
      fromAttribute: a.from_attribute,
      fromContext: a.from_context,
      convertedType: a.converted_type,
      regex: a.pattern !== '' ? compileRegexp(a.pattern) : undefined,
    }));
  }

  /** Applies every action to `attrs` in place; `client` is the batch's, for from_context. */
  process(attrs: KeyValue[], client: ClientInfo | undefined, onConvertFailure?: ConvertFailure): void {
    for (const a of this.actions) {
      switch (a.action) {
        case 'delete':
          remove(attrs, a.key);
          if (a.regex) for (const k of matchingKeys(a.regex, attrs)) remove(attrs, k);
          break;
        case 'insert': {
          const v = source(a, attrs, client);
          if (v !== undefined && indexOf(attrs, a.key) < 0) attrs.push({ key: a.key, value: v });
          break;
        }
        case 'update': {
          const v = source(a, attrs, client);
          const i = v === undefined ? -1 : indexOf(attrs, a.key);
          if (i >= 0) attrs[i] = { key: a.key, value: v! };
          break;
        }
        case 'upsert': {
          const v = source(a, attrs, client);
          if (v !== undefined) put(attrs, a.key, v);
          break;
        }
        case 'hash':
          hash(attrs, a.key);
          if (a.regex) for (const k of matchingKeys(a.regex, attrs)) hash(attrs, k);
          break;
        case 'extract':
          extract(attrs, a.key, a.regex!);
          break;
        case 'convert': {
          const i = indexOf(attrs, a.key);
          if (i < 0) break;
          const converted = convert(attrs[i].value, a.convertedType, (m) => onConvertFailure?.(a.key, m));
          if (converted !== attrs[i].value) attrs[i] = { key: a.key, value: converted };
          break;
        }
      }
    }
  }
}

function indexOf(attrs: readonly KeyValue[], key: string): number {
  for (let i = 0; i < attrs.length; i++) if (attrs[i].key === key) return i;
  return -1;
}

function remove(attrs: KeyValue[], key: string): void {
  const i = indexOf(attrs, key);
  if (i >= 0) attrs.splice(i, 1);
}

/** pcommon.Map.PutX: replaces the entry of `key`, or appends one. */
export function put(attrs: KeyValue[], key: string, value: AnyValue): void {
  const i = indexOf(attrs, key);
  if (i >= 0) attrs[i] = { key, value };
  else attrs.push({ key, value });
}

const matchingKeys = (re: Regexp, attrs: readonly KeyValue[]): string[] =>
  attrs.filter((kv) => re.test(kv.key)).map((kv) => kv.key);

/** The value to write: `value`, else from_context, else from_attribute, else default_value. */
function source(a: Action, attrs: readonly KeyValue[], client: ClientInfo | undefined): AnyValue | undefined {
  if (a.value) return a.value;
  if (a.fromContext !== '') {
    const v = fromContext(a.fromContext, client);
    if (v !== undefined) return v;
  }
  if (a.fromAttribute !== '') {
    const kv = findAttr(attrs, a.fromAttribute);
    if (kv) return kv.value;
  }
  return a.defaultValue;
}

/**
 * contrib's getAttributeValueFromContext: `client.address`; `metadata.<key>` (the receiver's
 * include_metadata headers, case-insensitive); `auth.<attr>` (what the authenticator attached);
 * any other key as a metadata key. Several values join with `;`.
 */
function fromContext(key: string, client: ClientInfo | undefined): AnyValue | undefined {
  let values: string[] | undefined;
  if (key === 'client.address') {
    values = [clientAddress(client?.address)];
  } else if (key.startsWith('auth.')) {
    const v = client?.auth?.[key.slice('auth.'.length)];
    if (typeof v === 'string') return { stringValue: v };
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return undefined;
    values = v as string[];
  } else {
    values = metadata(client, key.startsWith('metadata.') ? key.slice('metadata.'.length) : key);
  }
  return values && values.length > 0 ? { stringValue: values.join(';') } : undefined;
}

function metadata(client: ClientInfo | undefined, key: string): string[] | undefined {
  const md = client?.metadata;
  if (!md) return undefined;
  if (key in md) return md[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(md)) if (k.toLowerCase() === lower) return md[k];
  return undefined;
}

/** The peer's IP, as otelcol's clientutil.Address gives it: no port, no gRPC scheme. */
export function clientAddress(address: string | undefined): string {
  if (!address) return '';
  let a = address.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1];
  else if (/^[^:]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/** SHA-256 of the value's bytes as contrib hashes them, lowercase hex; other types hash to ''. */
function hash(attrs: KeyValue[], key: string): void {
  const i = indexOf(attrs, key);
  if (i < 0) return;
  const v = attrs[i].value;
  let bytes: Buffer | undefined;
  if ('stringValue' in v) bytes = Buffer.from(v.stringValue, 'utf8');
  else if ('boolValue' in v) bytes = Buffer.from([v.boolValue ? 1 : 0]);
  else if ('intValue' in v) (bytes = Buffer.alloc(8)).writeBigInt64LE(BigInt.asIntN(64, v.intValue));
  else if ('doubleValue' in v) (bytes = Buffer.alloc(8)).writeDoubleLE(v.doubleValue);
  const hashed = bytes ? createHash('sha256').update(bytes).digest('hex') : '';
  attrs[i] = { key, value: { stringValue: hashed } };
}

/** The named groups of the first match in a string value, each put as a string attribute. */
function extract(attrs: KeyValue[], key: string, re: Regexp): void {
  const kv = findAttr(attrs, key);
  if (!kv || !('stringValue' in kv.value)) return;
  const s = kv.value.stringValue;
  const match = re.exec(s);
  if (!match) return;
  for (let g = 1; g < re.groupNames.length; g++) put(attrs, re.groupNames[g], { stringValue: match.groups[g] ?? '' });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** Go's strconv.ParseFloat(s, 64) for the decimal, exponent and inf/nan spellings. */
function parseFloat64(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const digits = s.replace(/(\d)_(?=\d)/g, '$1');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(digits)) return undefined;
  const n = Number(digits);
  return Number.isFinite(n) ? n : undefined;
}

/** contrib's convertValue: the converted value, or `v` itself where it cannot convert. */
function convert(v: AnyValue, to: string, fail: (message: string) => void): AnyValue {
  switch (to) {
    case 'string':
      return 'stringValue' in v ? v : { stringValue: valueAsString(v) };
    case 'int':
      if ('intValue' in v) return v;
      if ('doubleValue' in v) return { intValue: truncateToInt64(v.doubleValue) };
      if ('boolValue' in v) return { intValue: v.boolValue ? 1n : 0n };
      if ('stringValue' in v) {
        const n = parseInt64(v.stringValue);
        if (n !== undefined) return { intValue: n };
        fail(`String could not be converted to int: ${v.stringValue}`);
        return v;
      }
      fail('Unable to convert type to int');
      return v;
    case 'double':
      if ('doubleValue' in v) return v;
      if ('intValue' in v) return { doubleValue: Number(v.intValue) };
      if ('boolValue' in v) return { doubleValue: v.boolValue ? 1 : 0 };
      if ('stringValue' in v) {
        const n = parseFloat64(v.stringValue);
        if (n !== undefined) return { doubleValue: n };
        fail(`String could not be converted to double: ${v.stringValue}`);
        return v;
      }
      fail('Unable to convert type to double');
      return v;
    default:
      return v;
  }
}

/** Go's int64(f): toward zero; out of range and NaN give the minimum int64 on amd64. */
function truncateToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(f));
}
