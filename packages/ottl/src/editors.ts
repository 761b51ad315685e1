// otelcol's editors (pkg/ottl/ottlfuncs): the functions that change data. Each takes the
// compiled arguments and returns the closure a statement runs.
import type { KeyValue } from '@flowtel/pdata';
import { ArgError } from './compile.ts';
import { editor, p, type ArgValue, type FunctionDef, type GetSetter, type Getter, type Param } from './functions.ts';
import { compileRegexp, expand, type Regexp, replaceMatches } from '@flowtel/regexp';
import { OMap, OttlRuntimeError, type Value, toAny, typeName } from './values.ts';

const HASH_PARAMS = [p('function', 'func', true), p('replacementFormat', 'string', true)];

/** The replacement of one match: expanded, then hashed and formatted when a function is given. */
function replacer(
  fn: FunctionDef | undefined,
  format: Getter | undefined,
): (tc: Parameters<Getter>[0]) => (template: string) => string {
  return (tc) => {
    if (!fn) return (s) => s;
    const fmt = format ? (format(tc) as string) : '%s';
    if (fmt && !fmt.includes('%s'))
      throw new OttlRuntimeError(`replacementFormat must contain %s, got ${JSON.stringify(fmt)}`);
    return (s) => fmt.replace('%s', String(fn.pure!(s)));
  };
}

function replaceAll(s: string, re: Regexp, template: string, post: (x: string) => string): string {
  return replaceMatches(re, s, (m) => post(expand(template, m, re.names)));
}

/** gobwas/glob, as replace_match uses it: * any run, ? one character, [..] classes, {a,b} alternatives */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) out += glob[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) throw new ArgError(`invalid glob ${JSON.stringify(glob)}: unclosed [`);
      let inner = glob.slice(i + 1, close);
      if (inner.startsWith('!')) inner = '^' + inner.slice(1);
      out += `[${inner.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '{') ((out += '(?:'), depth++);
    else if (c === '}' && depth) ((out += ')'), depth--);
    else if (c === ',' && depth) out += '|';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (depth) throw new ArgError(`invalid glob ${JSON.stringify(glob)}: unclosed {`);
  return new RegExp(`^(?:${out})$`);
}

const mapOf = (target: GetSetter, tc: Parameters<Getter>[0]) => (target.get(tc) as OMap).kvs;
const put = (target: GetSetter, tc: Parameters<Getter>[0], kvs: KeyValue[]) => target.set(tc, new OMap(kvs));

/** Truncates to at most `limit` UTF-8 bytes without cutting a character. */
function truncateUtf8(s: string, limit: number): string {
  if (s.length * 3 <= limit) return s;
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= limit) return s;
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function regexArg(pattern: string): Regexp {
  return compileRegexp(pattern);
}

/** delete_matching_keys, keep_keys, keep_matching_keys: the target map keeps the pairs whose key `keepOf(arg)` accepts */
function filterKeys(name: string, param: Param, keepOf: (arg: ArgValue) => (key: string) => boolean): FunctionDef {
  return editor(name, [p('target', 'mapGetSetter'), param], ([target, arg]) => {
    const t = target as GetSetter;
    const keep = keepOf(arg);
    return (tc) => {
      const kvs = mapOf(t, tc);
      const kept = kvs.filter((kv) => keep(kv.key));
      if (kept.length !== kvs.length) put(t, tc, kept);
    };
  });
}

export const EDITORS: FunctionDef[] = [
  editor('set', [p('target', 'getSetter'), p('value', 'getter')], ([target, value]) => {
    const t = target as GetSetter;
    const v = value as Getter;
    return (tc) => {
      const x = v(tc);
      // otelcol: a nil value (an attribute that is not there) changes nothing
      if (x !== null) t.set(tc, x);
    };
  }),
  editor('delete_key', [p('target', 'mapGetSetter'), p('key', 'litString')], ([target, key]) => {
    const t = target as GetSetter;
    const k = key as string;
    return (tc) => {
      const kvs = mapOf(t, tc);
      const i = kvs.findIndex((kv) => kv.key === k);
      if (i >= 0) put(t, tc, kvs.slice(0, i).concat(kvs.slice(i + 1)));
    };
  }),
  filterKeys('delete_matching_keys', p('pattern', 'litString'), (pattern) => {
    const re = regexArg(pattern as string);
    return (key) => !re.test(key);
  }),
  filterKeys('keep_keys', p('keys', 'litStringList'), (keys) => {
    const keep = new Set(keys as string[]);
    return (key) => keep.has(key);
  }),
  filterKeys('keep_matching_keys', p('pattern', 'litString'), (pattern) => {
    const re = regexArg(pattern as string);
    return (key) => re.test(key);
  }),
  editor(
    'replace_pattern',
    [p('target', 'getSetter'), p('regex', 'litString'), p('replacement', 'string'), ...HASH_PARAMS],
    ([target, regex, replacement, fn, format]) => {
      const t = target as GetSetter;
      const re = regexArg(regex as string);
      const rep = replacement as Getter;
      const post = replacer(fn as FunctionDef | undefined, format as Getter | undefined);
      return (tc) => {
        const v = t.get(tc);
        if (typeof v !== 'string') return;
        const out = replaceAll(v, re, rep(tc) as string, post(tc));
        if (out !== v) t.set(tc, out);
      };
    },
  ),
  editor(
    'replace_all_patterns',
    [
      p('target', 'mapGetSetter'),
      p('mode', 'litString'),
      p('regex', 'litString'),
      p('replacement', 'string'),
      ...HASH_PARAMS,
    ],
    ([target, mode, regex, replacement, fn, format]) => {
      const t = target as GetSetter;
      if (mode !== 'key' && mode !== 'value')
        throw new ArgError(`invalid mode ${JSON.stringify(mode)}, must be either 'key' or 'value'`);
      const re = regexArg(regex as string);
      const rep = replacement as Getter;
      const post = replacer(fn as FunctionDef | undefined, format as Getter | undefined);
      return (tc) => {
        const kvs = mapOf(t, tc);
        const template = rep(tc) as string;
        const p = post(tc);
        let changed = false;
        const out = kvs.map((kv) => {
          if (mode === 'value') {
            if (!('stringValue' in kv.value)) return kv;
            const s = kv.value.stringValue;
            const r = re.test(s) ? replaceAll(s, re, template, p) : s;
            if (r === s) return kv;
            changed = true;
            return { key: kv.key, value: { stringValue: r } };
          }
          const r = re.test(kv.key) ? replaceAll(kv.key, re, template, p) : kv.key;
          if (r === kv.key) return kv;
          changed = true;
          return { key: r, value: kv.value };
        });
        if (changed) put(t, tc, out);
      };
    },
  ),
  editor(
    'replace_match',
    [p('target', 'getSetter'), p('pattern', 'litString'), p('replacement', 'string'), ...HASH_PARAMS],
    ([target, pattern, replacement, fn, format]) => {
      const t = target as GetSetter;
      const glob = globToRegExp(pattern as string);
      const rep = replacement as Getter;
      const post = replacer(fn as FunctionDef | undefined, format as Getter | undefined);
      return (tc) => {
        const v = t.get(tc);
        if (typeof v === 'string' && glob.test(v)) t.set(tc, post(tc)(rep(tc) as string));
      };
    },
  ),
  editor(
    'replace_all_matches',
    [p('target', 'mapGetSetter'), p('pattern', 'litString'), p('replacement', 'string'), ...HASH_PARAMS],
    ([target, pattern, replacement, fn, format]) => {
      const t = target as GetSetter;
      const glob = globToRegExp(pattern as string);
      const rep = replacement as Getter;
      const post = replacer(fn as FunctionDef | undefined, format as Getter | undefined);
      return (tc) => {
        const kvs = mapOf(t, tc);
        let changed = false;
        const out = kvs.map((kv) => {
          if (!('stringValue' in kv.value) || !glob.test(kv.value.stringValue)) return kv;
          changed = true;
          return { key: kv.key, value: { stringValue: post(tc)(rep(tc) as string) } };
        });
        if (changed) put(t, tc, out);
      };
    },
  ),
  editor('truncate_all', [p('target', 'mapGetSetter'), p('limit', 'litInt')], ([target, limit]) => {
    const t = target as GetSetter;
    const n = Number(limit as bigint);
    if (n < 0) throw new ArgError(`invalid limit for truncate_all function, ${n} cannot be negative`);
    return (tc) => {
      const kvs = mapOf(t, tc);
      let out: KeyValue[] | undefined;
      for (let i = 0; i < kvs.length; i++) {
        const v = kvs[i].value;
        if (!('stringValue' in v) || v.stringValue.length <= n / 3) continue;
        const s = truncateUtf8(v.stringValue, n);
        if (s === v.stringValue) continue;
        out ??= kvs.slice();
        out[i] = { key: kvs[i].key, value: { stringValue: s } };
      }
      if (out) put(t, tc, out);
    };
  }),
  editor(
    'limit',
    [p('target', 'mapGetSetter'), p('limit', 'litInt'), p('priority_keys', 'litStringList')],
    ([target, limit, priority]) => {
      const t = target as GetSetter;
      const n = Number(limit as bigint);
      const keys = new Set(priority as string[]);
      if (n < 0) throw new ArgError(`invalid limit for limit function, ${n} cannot be negative`);
      if (keys.size > n)
        throw new ArgError(
          `invalid limit for limit function, ${n} cannot be less than number of priority attributes ${keys.size}`,
        );
      return (tc) => {
        const kvs = mapOf(t, tc);
        if (kvs.length <= n) return;
        let room = n - kvs.filter((kv) => keys.has(kv.key)).length;
        put(
          t,
          tc,
          kvs.filter((kv) => keys.has(kv.key) || room-- > 0),
        );
      };
    },
  ),
  editor(
    'merge_maps',
    [p('target', 'mapGetSetter'), p('source', 'map'), p('strategy', 'litString')],
    ([target, source, strategy]) => {
      const t = target as GetSetter;
      const src = source as Getter;
      if (!['insert', 'update', 'upsert'].includes(strategy as string))
        throw new ArgError(`invalid value for strategy, ${strategy as string}, must be 'insert', 'update' or 'upsert'`);
      return (tc) => {
        const from = src(tc) as OMap | null;
        if (!from) return;
        const out = mapOf(t, tc).slice();
        for (const kv of from.kvs) {
          const i = out.findIndex((x) => x.key === kv.key);
          if (i >= 0 && strategy !== 'insert') out[i] = { key: kv.key, value: kv.value };
          else if (i < 0 && strategy !== 'update') out.push({ key: kv.key, value: kv.value });
        }
        put(t, tc, out);
      };
    },
  ),
  editor(
    'flatten',
    [
      p('target', 'mapGetSetter'),
      p('prefix', 'litString', true),
      p('depth', 'litInt', true),
      p('resolveConflicts', 'litBool', true),
    ],
    ([target, prefix, depth, resolveConflicts]) => {
      const t = target as GetSetter;
      const max = depth === undefined ? Infinity : Number(depth as bigint);
      if (max < 0) throw new ArgError(`invalid depth for flatten function, ${max} cannot be negative`);
      if (resolveConflicts === true) throw new ArgError('resolveConflicts is not yet implemented in flowtel');
      return (tc) => {
        const out: KeyValue[] = [];
        const walk = (kvs: KeyValue[], pre: string, level: number) => {
          for (const kv of kvs) {
            const key = pre ? `${pre}.${kv.key}` : kv.key;
            if ('kvlistValue' in kv.value && level < max) walk(kv.value.kvlistValue.values, key, level + 1);
            else if ('arrayValue' in kv.value && level < max)
              walk(
                kv.value.arrayValue.values.map((value, i) => ({ key: String(i), value })),
                key,
                level + 1,
              );
            else {
              const i = out.findIndex((x) => x.key === key);
              if (i >= 0) out[i] = { key, value: kv.value };
              else out.push({ key, value: kv.value });
            }
          }
        };
        walk(mapOf(t, tc), (prefix as string | undefined) ?? '', 0);
        put(t, tc, out);
      };
    },
  ),
  editor(
    'delete_index',
    [p('target', 'getSetter'), p('startIndex', 'int'), p('endIndex', 'int', true)],
    ([target, startIndex, endIndex]) => {
      const t = target as GetSetter;
      const sg = startIndex as Getter;
      const eg = endIndex as Getter | undefined;
      return (tc) => {
        const list = t.get(tc);
        if (!Array.isArray(list))
          throw new OttlRuntimeError(`delete_index: target must be a slice, got ${typeName(list)}`);
        const start = Number(sg(tc) as bigint);
        const end = eg ? Number(eg(tc) as bigint) : start + 1;
        if (start < 0 || start >= list.length || end < start || end > list.length)
          throw new OttlRuntimeError(
            `delete_index: invalid range [${start}, ${end}) for a slice of length ${list.length}`,
          );
        t.set(tc, list.slice(0, start).concat(list.slice(end)));
      };
    },
  ),
  editor(
    'append',
    [p('target', 'getSetter'), p('value', 'getter', true), p('values', 'getterList', true)],
    ([target, value, values]) => {
      const t = target as GetSetter;
      const one = value as Getter | undefined;
      const many = values as Getter[] | undefined;
      if (!one && !many)
        throw new ArgError('at least one of the optional arguments ("value" or "values") must be provided');
      return (tc) => {
        const add: Value[] = [];
        if (one) add.push(one(tc));
        if (many) for (const g of many) add.push(g(tc));
        const cur = t.get(tc);
        const base: Value[] = cur === null ? [] : Array.isArray(cur) ? cur : [cur];
        for (const x of add)
          if (x !== null && toAny(x) === null) throw new OttlRuntimeError(`cannot append ${typeName(x)}`);
        t.set(tc, base.concat(add.filter((x) => x !== null)));
      };
    },
  ),
];
