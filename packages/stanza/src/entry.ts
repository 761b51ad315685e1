// stanza's entry: the record operators read and write before it becomes an OTLP log record,
// and its fields (`body.a.b`, `attributes["k.8s"]`, `resource.x`) as stanza's field syntax
// names them. Values are plain JS: JSON numbers stay doubles (as contrib's float64), integers
// from YAML or parse_ints are bigint (contrib's int64), bytes are Uint8Array.

/** A value inside an entry. */
export type Value = string | number | bigint | boolean | null | Uint8Array | Value[] | { [key: string]: Value };
export type ValueMap = { [key: string]: Value };

export interface Entry {
  /** nanoseconds since the epoch; 0n when no operator set it */
  timestamp: bigint;
  observedTimestamp: bigint;
  body: Value;
  attributes: ValueMap;
  resource: ValueMap;
  /** OTLP SeverityNumber (stanza's scale is the same 0..24) */
  severity: number;
  severityText: string;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceFlags?: number;
  scopeName: string;
}

export function newEntry(body: Value, observed: bigint): Entry {
  return {
    timestamp: 0n,
    observedTimestamp: observed,
    body,
    attributes: {},
    resource: {},
    severity: 0,
    severityText: '',
    scopeName: '',
  };
}

/** A deep copy, for operators that fan one entry out to several outputs. */
export function copyEntry(e: Entry): Entry {
  return {
    ...e,
    body: copyValue(e.body),
    attributes: copyValue(e.attributes) as ValueMap,
    resource: copyValue(e.resource) as ValueMap,
  };
}

export function copyValue(v: Value): Value {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(copyValue);
  const out: ValueMap = {};
  for (const k in v) out[k] = copyValue(v[k]);
  return out;
}

export const isMap = (v: unknown): v is ValueMap =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

export type Root = 'body' | 'attributes' | 'resource';

/** A parsed field reference. */
export interface Field {
  root: Root;
  keys: string[];
  /** as written, for messages */
  text: string;
}

export class FieldError extends Error {}

/** Parses stanza's field syntax: a root, then `.key` or `["key"]` segments. */
export function parseField(text: string): Field {
  const s = text.trim();
  const m = /^(body|attributes|resource)/.exec(s);
  if (!m)
    throw new FieldError(
      `field "${text}": must start with body, attributes or resource (e.g. attributes["log.level"])`,
    );
  const keys: string[] = [];
  let i = m[1].length;
  while (i < s.length) {
    if (s[i] === '.') {
      let j = i + 1;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      if (j === i + 1) throw new FieldError(`field "${text}": empty key after '.' at ${i}`);
      keys.push(s.slice(i + 1, j));
      i = j;
    } else if (s[i] === '[') {
      const q = s[i + 1];
      if (q !== '"' && q !== "'") throw new FieldError(`field "${text}": expected a quoted key after '[' at ${i}`);
      const end = s.indexOf(q + ']', i + 2);
      if (end < 0) throw new FieldError(`field "${text}": unterminated ["..."] at ${i}`);
      keys.push(s.slice(i + 2, end));
      i = end + 2;
    } else {
      throw new FieldError(`field "${text}": unexpected '${s[i]}' at ${i}`);
    }
  }
  return { root: m[1] as Root, keys, text: s };
}

export function fieldString(f: Field): string {
  return f.root + f.keys.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? `.${k}` : `["${k}"]`)).join('');
}

function rootValue(e: Entry, root: Root): Value {
  return root === 'body' ? e.body : root === 'attributes' ? e.attributes : e.resource;
}

/** The value at a field, or undefined when absent. */
export function getField(e: Entry, f: Field): Value | undefined {
  let v: Value | undefined = rootValue(e, f.root);
  for (const k of f.keys) {
    if (!isMap(v)) return undefined;
    v = v[k];
    if (v === undefined) return undefined;
  }
  return v;
}

/** Sets a field, making maps on the way (a non-map in the way is replaced, as stanza does). */
export function setField(e: Entry, f: Field, value: Value): void {
  if (f.keys.length === 0) {
    if (f.root === 'body') e.body = value;
    else if (isMap(value)) {
      if (f.root === 'attributes') e.attributes = value;
      else e.resource = value;
    } else throw new FieldError(`cannot set ${f.root} to a value that is not a map`);
    return;
  }
  let parent: ValueMap;
  if (f.root === 'body') {
    if (!isMap(e.body)) e.body = {};
    parent = e.body as ValueMap;
  } else parent = f.root === 'attributes' ? e.attributes : e.resource;
  const last = f.keys.length - 1;
  for (let i = 0; i < last; i++) {
    const k = f.keys[i];
    let next = parent[k];
    if (!isMap(next)) {
      next = {};
      parent[k] = next;
    }
    parent = next;
  }
  parent[f.keys[last]] = value;
}

/** Removes a field and returns what it held. */
export function deleteField(e: Entry, f: Field): Value | undefined {
  if (f.keys.length === 0) {
    if (f.root === 'body') {
      const v = e.body;
      e.body = null;
      return v;
    }
    const v = f.root === 'attributes' ? e.attributes : e.resource;
    if (f.root === 'attributes') e.attributes = {};
    else e.resource = {};
    return v;
  }
  let parent: Value | undefined = rootValue(e, f.root);
  for (let i = 0; i < f.keys.length - 1; i++) {
    if (!isMap(parent)) return undefined;
    parent = parent[f.keys[i]];
  }
  if (!isMap(parent)) return undefined;
  const k = f.keys[f.keys.length - 1];
  const v = parent[k];
  delete parent[k];
  return v;
}

/** Merges a map into a field (parse_to): keys of `value` overwrite those already there. */
export function mergeInto(e: Entry, f: Field, value: ValueMap): void {
  const current = getField(e, f);
  if (isMap(current)) {
    for (const k in value) current[k] = value[k];
    return;
  }
  setField(e, f, value);
}

/** How stanza prints a value where a string is needed (Go's fmt %v for scalars). */
export function valueToString(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString();
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
}

const SEVERITY_NAMES = ['DEFAULT'];
for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'])
  SEVERITY_NAMES.push(level, `${level}2`, `${level}3`, `${level}4`);

/** stanza's Severity.String(): DEFAULT, TRACE, TRACE2, ... FATAL4. */
export const severityName = (n: number): string => SEVERITY_NAMES[n] ?? String(n);
