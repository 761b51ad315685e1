// otelcol's converters (pkg/ottl/ottlfuncs): functions that return a value, named in
// UpperCamelCase. Semantics and error texts follow each function's section of ottlfuncs'
// README.
import { createHash, randomUUID } from 'node:crypto';
import type { KeyValue } from '@flowtel/pdata';
import { ArgError, boolLike, floatLike, intLike } from './compile.ts';
import { p, type FunctionDef, type Getter, type Param } from './functions.ts';
import { compileRegexp } from '@flowtel/regexp';
import {
  ODuration,
  OMap,
  OTime,
  OttlRuntimeError,
  type Value,
  asString,
  fromAny as fromAnyValue,
  fromJson,
  toAny,
  typeName,
  valueEqual,
} from './values.ts';
import type { StaticType } from './contexts.ts';

/** a converter of one value: the value is evaluated, then `f` applied */
function unary(
  name: string,
  type: Param['type'],
  returns: StaticType | undefined,
  f: (v: Value) => Value,
): FunctionDef {
  return {
    name,
    editor: false,
    params: [p('target', type)],
    returns,
    build: ([target]) => {
      const g = target as Getter;
      return (tc) => f(g(tc));
    },
  };
}

function hash(name: string, algo: string): FunctionDef {
  const pure = (v: Value) => {
    if (typeof v !== 'string') throw new OttlRuntimeError(`expected string but got ${typeName(v)}`);
    return createHash(algo).update(v).digest('hex');
  };
  return { ...unary(name, 'string', 'string', pure), pure };
}

/** FNV-1a, 64 bit, as otelcol's FNV returns it: an int64 */
function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h);
}

/** Go's time.ParseDuration */
export function parseGoDuration(s: string): bigint | null {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (s === '0') return 0n;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) return null;
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(part[1]) * units[part[2]];
  return BigInt(Math.round(m[1] === '-' ? -total : total));
}

/** a subset of Go's fmt verbs, for Format: %s %v %d %f %t %q %x %% */
function goSprintf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%(\.\d+)?([svdftqx%])/g, (_, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    switch (verb) {
      case 'd':
        return typeof a === 'bigint' ? a.toString() : `%!d(${typeName(a)}=${asString(a)})`;
      case 'f':
        return typeof a === 'number'
          ? a.toFixed(prec ? Number(prec.slice(1)) : 6)
          : `%!f(${typeName(a)}=${asString(a)})`;
      case 'q':
        return JSON.stringify(asString(a));
      case 'x':
        return typeof a === 'bigint' ? a.toString(16) : Buffer.from(String(asString(a))).toString('hex');
      default:
        return a === null ? '<nil>' : (asString(a) ?? '');
    }
  });
}

// strptime directives otelcol's Time converter takes (ctimefmt), as parts of a regex
const TIME_DIRECTIVES: Record<string, [string, string]> = {
  Y: ['(\\d{4})', 'Y'],
  y: ['(\\d{2})', 'y'],
  m: ['(\\d{1,2})', 'm'],
  o: ['(\\d{1,2})', 'm'],
  d: ['(\\d{1,2})', 'd'],
  e: ['(\\d{1,2})', 'd'],
  H: ['(\\d{1,2})', 'H'],
  I: ['(\\d{1,2})', 'I'],
  l: ['(\\d{1,2})', 'I'],
  M: ['(\\d{1,2})', 'M'],
  S: ['(\\d{1,2})', 'S'],
  L: ['(\\d{3})', 'L'],
  f: ['(\\d{1,9})', 'f'],
  s: ['(\\d{1,9})', 'f'],
  p: ['(AM|PM|am|pm)', 'p'],
  b: ['([A-Za-z]{3})', 'b'],
  h: ['([A-Za-z]{3})', 'b'],
  B: ['([A-Za-z]+)', 'B'],
  a: ['[A-Za-z]{3}', ''],
  A: ['[A-Za-z]+', ''],
  z: ['([+-]\\d{2}:?\\d{2}|Z)', 'z'],
  Z: ['([A-Z]{3,4}|Z)', 'Z'],
  j: ['(\\d{3})', 'j'],
  '%': ['%', ''],
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function strptime(format: string): (s: string) => bigint | null {
  let re = '^';
  const fields: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '%') {
      const d = TIME_DIRECTIVES[format[++i]];
      if (!d) throw new ArgError(`unsupported time directive %${format[i]}`);
      re += d[0];
      if (d[1]) fields.push(d[1]);
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const rx = new RegExp(re + '$');
  return (s) => {
    const m = rx.exec(s);
    if (!m) return null;
    let Y = 1970,
      mo = 1,
      d = 1,
      H = 0,
      M = 0,
      S = 0,
      frac = 0n,
      pm: boolean | undefined,
      offsetMin = 0;
    fields.forEach((f, i) => {
      const v = m[i + 1];
      switch (f) {
        case 'Y':
          Y = Number(v);
          break;
        case 'y':
          Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
          break;
        case 'm':
          mo = Number(v);
          break;
        case 'd':
          d = Number(v);
          break;
        case 'H':
        case 'I':
          H = Number(v);
          break;
        case 'M':
          M = Number(v);
          break;
        case 'S':
          S = Number(v);
          break;
        case 'L':
          frac = BigInt(v) * 1_000_000n;
          break;
        case 'f':
          frac = BigInt(v.padEnd(9, '0'));
          break;
        case 'p':
          pm = v.toLowerCase() === 'pm';
          break;
        case 'b':
        case 'B':
          mo = MONTHS.indexOf(v.slice(0, 3).toLowerCase()) + 1;
          break;
        case 'z':
          if (v !== 'Z') {
            const sign = v[0] === '-' ? -1 : 1;
            const digits = v.slice(1).replace(':', '');
            offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
          }
          break;
        case 'j':
          mo = 1;
          d = Number(v);
          break;
      }
    });
    if (pm !== undefined) H = (H % 12) + (pm ? 12 : 0);
    if (mo < 1) return null;
    const ms = Date.UTC(Y, mo - 1, d, H, M, S) - offsetMin * 60_000;
    return BigInt(ms) * 1_000_000n + frac;
  };
}

function parseKeyValue(s: string, delimiter: string, pairDelimiter: string): OMap {
  const kvs = [];
  // quoted values may hold delimiters; split outside quotes
  const pairs: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
      cur += c;
    } else if (c === '"' || c === "'") ((quote = c), (cur += c));
    else if (s.startsWith(pairDelimiter, i)) {
      pairs.push(cur);
      cur = '';
      i += pairDelimiter.length - 1;
    } else cur += c;
  }
  pairs.push(cur);
  for (const raw of pairs) {
    const pair = raw.trim();
    if (!pair) continue;
    const at = pair.indexOf(delimiter);
    if (at < 0) throw new OttlRuntimeError(`cannot split ${JSON.stringify(pair)} into 2 items, got 1 item(s)`);
    const unq = (x: string) => x.trim().replace(/^(["'])(.*)\1$/, '$2');
    kvs.push({ key: unq(pair.slice(0, at)), value: { stringValue: unq(pair.slice(at + delimiter.length)) } });
  }
  return new OMap(kvs);
}

const words = (s: string) => s.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
const CASES: Record<string, (s: string) => string> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  snake: (s) =>
    words(s)
      .map((w) => w.toLowerCase())
      .join('_'),
  camel: (s) =>
    words(s)
      .map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase())
      .join(''),
};

/** a time's calendar field in UTC */
const timePart = (name: string, f: (d: Date, nanos: bigint) => number | bigint): FunctionDef =>
  unary(name, 'time', 'int', (v) => {
    const nanos = (v as OTime).nanos;
    return BigInt(f(new Date(Number(nanos / 1_000_000n)), nanos));
  });

/** One CSV line as Go's encoding/csv reads it (quotes, doubled quotes); lazy: bare quotes allowed. Also stanza's csv_parser. */
export function csvFields(line: string, delimiter: string, lazy: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) {
          if (lazy) break;
          throw new OttlRuntimeError('extraneous or missing " in quoted-field');
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') ((field += '"'), (i += 2));
          else if (i + 1 === line.length || line.startsWith(delimiter, i + 1)) {
            i++;
            break;
          } else if (lazy) ((field += '"'), i++);
          else throw new OttlRuntimeError('extraneous or missing " in quoted-field');
        } else field += line[i++];
      }
    } else {
      const end = line.indexOf(delimiter, i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      if (!lazy && field.includes('"')) throw new OttlRuntimeError('bare " in non-quoted-field');
      i = end < 0 ? line.length : end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i += delimiter.length;
    if (i === line.length) return (out.push(''), out);
  }
}

export const CONVERTERS: FunctionDef[] = [
  {
    name: 'ParseCSV',
    editor: false,
    params: [
      p('target', 'string'),
      p('headers', 'string'),
      p('delimiter', 'litString', true),
      p('headerDelimiter', 'litString', true),
      p('mode', 'litString', true),
    ],
    returns: 'map',
    build: ([target, headers, delimiter, headerDelimiter, mode]) => {
      const g = target as Getter;
      const hg = headers as Getter;
      const d = (delimiter as string | undefined) ?? ',';
      const hd = (headerDelimiter as string | undefined) ?? d;
      const m = (mode as string | undefined) ?? 'strict';
      if (![...d].length || [...d].length !== 1)
        throw new ArgError(`invalid delimiter: ${JSON.stringify(d)}, must be a single character`);
      if (!['strict', 'lazyQuotes', 'ignoreQuotes'].includes(m))
        throw new ArgError(`unknown mode: ${m}, allowed modes are: strict, lazyQuotes, ignoreQuotes`);
      return (tc) => {
        const line = g(tc) as string;
        const names = (hg(tc) as string).split(hd);
        const values = m === 'ignoreQuotes' ? line.split(d) : csvFields(line, d, m === 'lazyQuotes');
        if (values.length !== names.length)
          throw new OttlRuntimeError(`wrong number of fields: expected ${names.length}, found ${values.length}`);
        return new OMap(names.map((key, i) => ({ key, value: { stringValue: values[i] } })));
      };
    },
  },
  {
    name: 'IsRootSpan',
    editor: false,
    params: [],
    returns: 'bool',
    contexts: ['span'],
    build: () => (tc) => tc.span!.parentSpanId.every((b) => b === 0),
  },
  unary('ToSnakeCase', 'string', 'string', (v) => CASES.snake(v as string)),
  unary('ToCamelCase', 'string', 'string', (v) => CASES.camel(v as string)),
  {
    name: 'TrimPrefix',
    editor: false,
    params: [p('target', 'string'), p('prefix', 'litString')],
    returns: 'string',
    build: ([target, prefix]) => {
      const g = target as Getter;
      const pre = prefix as string;
      return (tc) => {
        const s = g(tc) as string;
        return s.startsWith(pre) ? s.slice(pre.length) : s;
      };
    },
  },
  {
    name: 'TrimSuffix',
    editor: false,
    params: [p('target', 'string'), p('suffix', 'litString')],
    returns: 'string',
    build: ([target, suffix]) => {
      const g = target as Getter;
      const suf = suffix as string;
      return (tc) => {
        const s = g(tc) as string;
        return suf && s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s;
      };
    },
  },
  unary('Keys', 'map', 'slice', (v) => (v as OMap).kvs.map((kv) => kv.key)),
  unary('Values', 'map', 'slice', (v) => (v as OMap).kvs.map((kv) => fromAnyValue(kv.value))),
  {
    name: 'Index',
    editor: false,
    params: [p('target', 'getter'), p('value', 'getter')],
    returns: 'int',
    build: ([target, value]) => {
      const g = target as Getter;
      const vg = value as Getter;
      return (tc) => {
        const t = g(tc);
        const x = vg(tc);
        if (typeof t === 'string') {
          if (typeof x !== 'string')
            throw new OttlRuntimeError(`Index: the value to find in a string must be a string, got ${typeName(x)}`);
          // Go's strings.Index counts bytes
          const at = t.indexOf(x);
          return BigInt(at < 0 ? -1 : Buffer.byteLength(t.slice(0, at), 'utf8'));
        }
        if (Array.isArray(t)) return BigInt(t.findIndex((e) => valueEqual(e, x)));
        throw new OttlRuntimeError(`Index: unsupported type ${typeName(t)}`);
      };
    },
  },
  {
    name: 'ContainsValue',
    editor: false,
    params: [p('target', 'slice'), p('item', 'getter')],
    returns: 'bool',
    build: ([target, item]) => {
      const g = target as Getter;
      const ig = item as Getter;
      return (tc) => {
        const x = ig(tc);
        return (g(tc) as Value[]).some((e) => valueEqual(e, x));
      };
    },
  },
  {
    name: 'ParseInt',
    editor: false,
    params: [p('target', 'string'), p('base', 'int')],
    returns: 'int',
    build: ([target, base]) => {
      const g = target as Getter;
      const bg = base as Getter;
      return (tc) => {
        const s = g(tc) as string;
        const b = Number(bg(tc) as bigint);
        const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
        const m = /^([+-]?)(.+)$/.exec(s);
        if (b < 2 || b > 36 || !m || ![...m[2].toLowerCase()].every((c) => digits.includes(c)))
          throw new OttlRuntimeError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
        let n = 0n;
        for (const c of m[2].toLowerCase()) n = n * BigInt(b) + BigInt(digits.indexOf(c));
        n = m[1] === '-' ? -n : n;
        if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n)
          throw new OttlRuntimeError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
        return n;
      };
    },
  },
  timePart('Year', (d) => d.getUTCFullYear()),
  timePart('Month', (d) => d.getUTCMonth() + 1),
  timePart('Day', (d) => d.getUTCDate()),
  timePart('Hour', (d) => d.getUTCHours()),
  timePart('Minute', (d) => d.getUTCMinutes()),
  timePart('Second', (d) => d.getUTCSeconds()),
  timePart('Nanosecond', (_d, n) => ((n % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n),
  timePart('Weekday', (d) => d.getUTCDay()),
  {
    name: 'Concat',
    editor: false,
    params: [p('vals', 'stringLikeList'), p('delimiter', 'litString')],
    returns: 'string',
    build: ([vals, delimiter]) => {
      const gs = vals as Getter[];
      const d = delimiter as string;
      return (tc) => {
        let out = '';
        for (let i = 0; i < gs.length; i++) {
          const v = gs[i](tc);
          out += (i ? d : '') + (v === null ? '<nil>' : (v as string));
        }
        return out;
      };
    },
  },
  {
    name: 'IsMatch',
    editor: false,
    params: [p('target', 'stringLike'), p('pattern', 'litString')],
    returns: 'bool',
    build: ([target, pattern]) => {
      const g = target as Getter;
      const re = compileRegexp(pattern as string);
      return (tc) => {
        const v = g(tc);
        return v !== null && re.test(v as string);
      };
    },
  },
  {
    name: 'ExtractPatterns',
    editor: false,
    params: [p('target', 'string'), p('pattern', 'litString')],
    returns: 'map',
    build: ([target, pattern]) => {
      const g = target as Getter;
      const re = compileRegexp(pattern as string);
      const names = Object.entries(re.names);
      if (!names.length) throw new ArgError('at least 1 named capture group must be supplied in the given regex');
      return (tc) => {
        const m = re.all(g(tc) as string)[0];
        const kvs = [];
        if (m) for (const [key, i] of names) kvs.push({ key, value: { stringValue: m.groups[i] ?? '' } });
        return new OMap(kvs);
      };
    },
  },
  {
    name: 'ParseJSON',
    editor: false,
    params: [p('target', 'string')],
    returns: 'any',
    build: ([target]) => {
      const g = target as Getter;
      return (tc) => {
        let j: unknown;
        try {
          j = JSON.parse(g(tc) as string);
        } catch (err) {
          throw new OttlRuntimeError(`ParseJSON: ${(err as Error).message}`);
        }
        if (j === null || typeof j !== 'object')
          throw new OttlRuntimeError('could not convert parsed value of type ' + typeof j + ' to JSON object');
        return fromJson(j);
      };
    },
  },
  {
    name: 'ParseKeyValue',
    editor: false,
    params: [p('target', 'string'), p('delimiter', 'litString', true), p('pair_delimiter', 'litString', true)],
    returns: 'map',
    build: ([target, delimiter, pairDelimiter]) => {
      const g = target as Getter;
      const d = (delimiter as string | undefined) ?? '=';
      const pd = (pairDelimiter as string | undefined) ?? ' ';
      if (d === pd) throw new ArgError('pair delimiter cannot be set to the same value as delimiter');
      return (tc) => {
        const s = g(tc) as string;
        if (s === '') throw new OttlRuntimeError('cannot parse from empty string');
        return parseKeyValue(s, d, pd);
      };
    },
  },
  {
    name: 'ToKeyValueString',
    editor: false,
    params: [
      p('target', 'map'),
      p('delimiter', 'litString', true),
      p('pair_delimiter', 'litString', true),
      p('sort_output', 'litBool', true),
    ],
    returns: 'string',
    build: ([target, delimiter, pairDelimiter, sortOutput]) => {
      const g = target as Getter;
      const d = (delimiter as string | undefined) ?? '=';
      const pd = (pairDelimiter as string | undefined) ?? ' ';
      return (tc) => {
        const kvs = [...(g(tc) as OMap).kvs];
        if (sortOutput) kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const q = (s: string) => (s.includes(d) || s.includes(pd) ? `"${s}"` : s);
        return kvs.map((kv) => `${q(kv.key)}${d}${q(asString(fromAnyValue(kv.value)) ?? '')}`).join(pd);
      };
    },
  },
  unary('Int', 'intLike', 'any', (v) => intLike(v)),
  unary('Double', 'floatLike', 'any', (v) => floatLike(v)),
  unary('Bool', 'boolLike', 'any', (v) => boolLike(v)),
  unary('String', 'stringLike', 'any', (v) => v),
  {
    name: 'Split',
    editor: false,
    params: [p('target', 'string'), p('delimiter', 'litString')],
    returns: 'slice',
    build: ([target, delimiter]) => {
      const g = target as Getter;
      const d = delimiter as string;
      return (tc) => (g(tc) as string).split(d);
    },
  },
  unary('ToLowerCase', 'string', 'string', (v) => (v as string).toLowerCase()),
  unary('ToUpperCase', 'string', 'string', (v) => (v as string).toUpperCase()),
  {
    name: 'ConvertCase',
    editor: false,
    params: [p('target', 'string'), p('toCase', 'litString')],
    returns: 'string',
    build: ([target, toCase]) => {
      const g = target as Getter;
      // own keys only: "toString" and the like are no case
      const conv = Object.hasOwn(CASES, toCase as string) ? CASES[toCase as string] : undefined;
      if (!conv) throw new ArgError(`invalid case: ${toCase as string}, allowed cases are: lower, upper, snake, camel`);
      return (tc) => conv(g(tc) as string);
    },
  },
  hash('SHA256', 'sha256'),
  hash('SHA1', 'sha1'),
  hash('SHA512', 'sha512'),
  hash('MD5', 'md5'),
  {
    ...unary('FNV', 'string', 'int', (v) => fnv1a64(v as string)),
    pure: (v) => fnv1a64(String(v)),
  },
  {
    name: 'Substring',
    editor: false,
    params: [p('target', 'string'), p('start', 'int'), p('length', 'int')],
    returns: 'string',
    build: ([target, start, length]) => {
      const g = target as Getter;
      const sg = start as Getter;
      const lg = length as Getter;
      return (tc) => {
        const s = g(tc) as string;
        const st = Number(sg(tc) as bigint);
        const ln = Number(lg(tc) as bigint);
        if (st < 0) throw new OttlRuntimeError(`invalid start for substring function, ${st} cannot be negative`);
        if (ln <= 0)
          throw new OttlRuntimeError(`invalid length for substring function, ${ln} cannot be negative or zero`);
        if (st + ln > s.length)
          throw new OttlRuntimeError(
            `invalid range for substring function, ${st + ln} cannot be greater than the length of target string(${s.length})`,
          );
        return s.slice(st, st + ln);
      };
    },
  },
  {
    name: 'Format',
    editor: false,
    params: [p('format', 'litString'), p('vals', 'getterList')],
    returns: 'string',
    build: ([format, vals]) => {
      const f = format as string;
      const gs = vals as Getter[];
      return (tc) =>
        goSprintf(
          f,
          gs.map((g) => g(tc)),
        );
    },
  },
  {
    name: 'Time',
    editor: false,
    params: [
      p('time', 'string'),
      p('format', 'litString'),
      p('location', 'litString', true),
      p('locale', 'litString', true),
    ],
    returns: 'time',
    build: ([time, format, location, locale]) => {
      const g = time as Getter;
      if ((format as string) === '') throw new ArgError('format cannot be nil');
      if (location !== undefined && location !== 'UTC')
        throw new ArgError('a location other than UTC is not yet implemented in flowtel');
      if (locale !== undefined) throw new ArgError('locale is not yet implemented in flowtel');
      const parse = strptime(format as string);
      return (tc) => {
        const s = g(tc) as string;
        const n = parse(s);
        if (n === null)
          throw new OttlRuntimeError(`parsing time ${JSON.stringify(s)} with format ${JSON.stringify(format)} failed`);
        return new OTime(n);
      };
    },
  },
  {
    name: 'Now',
    editor: false,
    params: [],
    returns: 'time',
    build: () => () => new OTime(BigInt(Date.now()) * 1_000_000n),
  },
  unary('UnixNano', 'time', 'int', (v) => (v as OTime).nanos),
  unary('UnixMicro', 'time', 'int', (v) => (v as OTime).nanos / 1_000n),
  unary('UnixMilli', 'time', 'int', (v) => (v as OTime).nanos / 1_000_000n),
  unary('UnixSeconds', 'time', 'int', (v) => (v as OTime).nanos / 1_000_000_000n),
  {
    name: 'Unix',
    editor: false,
    params: [p('seconds', 'int'), p('nanoseconds', 'int', true)],
    returns: 'time',
    build: ([seconds, nanoseconds]) => {
      const s = seconds as Getter;
      const n = nanoseconds as Getter | undefined;
      return (tc) => new OTime((s(tc) as bigint) * 1_000_000_000n + (n ? (n(tc) as bigint) : 0n));
    },
  },
  {
    name: 'TruncateTime',
    editor: false,
    params: [p('time', 'time'), p('duration', 'duration')],
    returns: 'time',
    build: ([time, duration]) => {
      const t = time as Getter;
      const d = duration as Getter;
      return (tc) => {
        const n = (t(tc) as OTime).nanos;
        const step = (d(tc) as ODuration).nanos;
        if (step <= 0n) return new OTime(n);
        const r = n % step;
        return new OTime(n - (r < 0n ? r + step : r));
      };
    },
  },
  unary('Duration', 'string', 'duration', (v) => {
    const n = parseGoDuration(v as string);
    if (n === null) throw new OttlRuntimeError(`time: invalid duration ${JSON.stringify(v)}`);
    return new ODuration(n);
  }),
  unary('Nanoseconds', 'duration', 'int', (v) => (v as ODuration).nanos),
  unary('Microseconds', 'duration', 'int', (v) => (v as ODuration).nanos / 1_000n),
  unary('Milliseconds', 'duration', 'int', (v) => (v as ODuration).nanos / 1_000_000n),
  unary('Seconds', 'duration', 'float', (v) => Number((v as ODuration).nanos) / 1e9),
  unary('Minutes', 'duration', 'float', (v) => Number((v as ODuration).nanos) / 60e9),
  unary('Hours', 'duration', 'float', (v) => Number((v as ODuration).nanos) / 3600e9),
  unary('Len', 'getter', 'int', (v) => {
    if (typeof v === 'string') return BigInt([...v].length);
    if (v instanceof OMap) return BigInt(v.kvs.length);
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof Uint8Array) return BigInt(v.length);
    throw new OttlRuntimeError(`unsupported type: ${typeName(v)}`);
  }),
  unary('IsString', 'getter', 'bool', (v) => typeof v === 'string'),
  unary('IsInt', 'getter', 'bool', (v) => typeof v === 'bigint'),
  unary('IsDouble', 'getter', 'bool', (v) => typeof v === 'number'),
  unary('IsBool', 'getter', 'bool', (v) => typeof v === 'boolean'),
  unary('IsMap', 'getter', 'bool', (v) => v instanceof OMap),
  unary('IsList', 'getter', 'bool', (v) => Array.isArray(v)),
  unary('Hex', 'getter', 'string', (v) => {
    if (typeof v === 'bigint') {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(v);
      return b.toString('hex');
    }
    if (typeof v === 'number') {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return b.toString('hex');
    }
    if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('hex');
    if (typeof v === 'boolean') return v ? '01' : '00';
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    throw new OttlRuntimeError(`unsupported type: ${typeName(v)}`);
  }),
  unary('Log', 'floatLike', 'float', (v) => {
    if (v === null || (v as number) <= 0) throw new OttlRuntimeError(`invalid value for Log: ${String(v)}`);
    return Math.log(v as number);
  }),
  unary('TraceID', 'bytes', 'bytes', (v) => {
    if ((v as Uint8Array).length !== 16) throw new OttlRuntimeError('traceids must be 16 bytes');
    return v;
  }),
  unary('SpanID', 'bytes', 'bytes', (v) => {
    if ((v as Uint8Array).length !== 8) throw new OttlRuntimeError('span ids must be 8 bytes');
    return v;
  }),
  { name: 'UUID', editor: false, params: [], returns: 'string', build: () => () => randomUUID() },
  {
    name: 'SliceToMap',
    editor: false,
    params: [p('target', 'slice'), p('key_path', 'litStringList', true), p('value_path', 'litStringList', true)],
    returns: 'map',
    build: ([target, keyPath, valuePath]) => {
      const g = target as Getter;
      const kp = keyPath as string[] | undefined;
      const vp = valuePath as string[] | undefined;
      const at = (v: Value, path: string[]): Value => {
        for (const k of path) {
          if (!(v instanceof OMap)) return null;
          v = fromAnyValue(v.kvs.find((kv) => kv.key === k)?.value);
        }
        return v;
      };
      return (tc) => {
        const kvs = [];
        const items = g(tc) as Value[];
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          const key = kp ? at(item, kp) : String(i);
          if (typeof key !== 'string')
            throw new OttlRuntimeError(`provided key path ${JSON.stringify(kp)} does not point to a string`);
          const value = toAny(vp ? at(item, vp) : item);
          if (value) kvs.push({ key, value });
        }
        return new OMap(kvs);
      };
    },
  },
  {
    name: 'URL',
    editor: false,
    params: [p('target', 'string')],
    returns: 'map',
    build: ([target]) => {
      const g = target as Getter;
      return (tc) => {
        const s = g(tc) as string;
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          throw new OttlRuntimeError(`failed to parse URL ${JSON.stringify(s)}`);
        }
        const kvs: KeyValue[] = [];
        const put = (key: string, v: Value) => {
          const av = toAny(v);
          if (av && v !== '') kvs.push({ key, value: av });
        };
        put('url.original', s);
        put('url.scheme', u.protocol.replace(/:$/, ''));
        put('url.domain', u.hostname);
        put('url.path', u.pathname);
        put('url.query', u.search.replace(/^\?/, ''));
        put('url.fragment', u.hash.replace(/^#/, ''));
        put('url.username', u.username);
        put('url.password', u.password);
        if (u.port) put('url.port', BigInt(u.port));
        const ext = /\.([^./]+)$/.exec(u.pathname);
        if (ext) put('url.extension', ext[1]);
        return new OMap(kvs);
      };
    },
  },
];
