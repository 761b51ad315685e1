// Regular expressions as otelcol and Prometheus compile them: Go's regexp package, RE2 syntax.
// re2js is a port of RE2 (through RE2/J), so a pattern means here what it means in Go,
// including what RE2 refuses (backreferences, lookaround) and the Go spellings JavaScript lacks
// ((?P<name>...), (?i) flags, \pL classes, \z). Matching is linear in the input, as in Go.
// re2js checks every pattern; the ones V8 reads alike then run on V8, some twenty times faster
// (measured: 0.1 us vs 2.3 us per match of a URL pattern with groups).
import { RE2JS } from 're2js';
import { toNative } from './native.ts';

export interface Match {
  /** where the whole match starts and ends, in UTF-16 code units as String indexes */
  index: number;
  end: number;
  /** group texts, 0 the whole match; undefined for a group that took no part */
  groups: (string | undefined)[];
}

export interface Regexp {
  readonly source: string;
  /** Go's SubexpNames: '' for the whole match, then each group's name ('' when unnamed) */
  readonly groupNames: readonly string[];
  /** group name to index, as Go's SubexpIndex */
  readonly names: Readonly<Record<string, number>>;
  /** Go's MatchString: a match anywhere (unanchored unless the pattern anchors itself) */
  test(s: string): boolean;
  /** Go's FindStringSubmatch: the leftmost match */
  exec(s: string): Match | undefined;
  /** Go's FindAllStringSubmatch: every non-overlapping match, left to right */
  all(s: string): Match[];
  /**
   * Go's FindStringSubmatchIndex: start and end of the leftmost match and of each group, -1 for
   * a group that took no part; for callers that rewrite the text around the groups.
   */
  execIndex(s: string): number[] | undefined;
}

/** Thrown for a pattern RE2 refuses; the message is Go's `error parsing regexp: ...`. */
export class RegexpError extends Error {}

function groupNamesOf(count: number, names: Record<string, number>): string[] {
  const out = new Array<string>(count + 1).fill('');
  for (const [name, index] of Object.entries(names)) out[index] = name;
  return out;
}

function onV8(source: string, js: string): Regexp {
  const global = new RegExp(js, 'g');
  const once = new RegExp(js);
  const withIndices = new RegExp(js, 'd');
  // group indexes by name: count the opening parentheses that capture
  const names: Record<string, number> = {};
  let count = 0;
  for (let i = 0; i < js.length; i++) {
    if (js[i] === '\\') i++;
    else if (js[i] === '[') {
      while (i < js.length && js[i] !== ']') i += js[i] === '\\' ? 2 : 1;
    } else if (js[i] === '(' && js[i + 1] !== '?') count++;
    else if (js[i] === '(' && js[i + 2] === '<') names[js.slice(i + 3, js.indexOf('>', i))] = ++count;
  }
  const toMatch = (m: RegExpExecArray): Match => ({ index: m.index, end: m.index + m[0].length, groups: [...m] });
  return {
    source,
    names,
    groupNames: groupNamesOf(count, names),
    test: (s) => once.test(s),
    exec(s) {
      const m = once.exec(s);
      return m ? toMatch(m) : undefined;
    },
    all(s) {
      const out: Match[] = [];
      global.lastIndex = 0;
      for (let m = global.exec(s); m; m = global.exec(s)) {
        out.push(toMatch(m));
        if (m[0].length === 0) global.lastIndex++;
      }
      return out;
    },
    execIndex(s) {
      const m = withIndices.exec(s);
      return m?.indices?.flatMap((span) => span ?? [-1, -1]);
    },
  };
}

function onRe2(source: string, re: RE2JS): Regexp {
  const count = re.groupCount();
  const names = { ...(re.namedGroups() as Record<string, number>) };
  const toMatch = (m: ReturnType<RE2JS['matcher']>): Match => {
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= count; g++) groups.push(m.group(g) ?? undefined);
    return { index: m.start(), end: m.end(), groups };
  };
  return {
    source,
    names,
    groupNames: groupNamesOf(count, names),
    test: (s) => re.test(s),
    exec(s) {
      const m = re.matcher(s);
      return m.find() ? toMatch(m) : undefined;
    },
    all(s) {
      const out: Match[] = [];
      const m = re.matcher(s);
      while (m.find()) out.push(toMatch(m));
      return out;
    },
    execIndex(s) {
      const m = re.matcher(s);
      if (!m.find()) return undefined;
      const out: number[] = [];
      for (let g = 0; g <= count; g++) out.push(m.start(g), m.end(g));
      return out;
    },
  };
}

/** Compiles an RE2 pattern; a pattern RE2 refuses is a RegexpError with Go's message. */
export function compileRegexp(pattern: string): Regexp {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new RegexpError(message.startsWith('error parsing regexp') ? message : `error parsing regexp: ${message}`);
  }
  const js = toNative(pattern);
  if (js !== undefined) {
    try {
      return onV8(pattern, js);
    } catch {
      // a pattern V8 refuses after all stays on RE2
    }
  }
  return onRe2(pattern, re);
}

/**
 * Go's replaceAll loop: each non-overlapping match replaced by `fn` of the match. An empty match
 * right where the previous match ended is not replaced: Go's "All" routines ignore it, while
 * V8's and re2js's iteration report it (`.*` on "abc" would be replaced twice).
 */
export function replaceMatches(re: Regexp, s: string, fn: (match: Match) => string): string {
  let out = '';
  let last = 0;
  let prevEnd = -1;
  for (const m of re.all(s)) {
    if (m.index === m.end && m.index === prevEnd) continue;
    out += s.slice(last, m.index) + fn(m);
    last = prevEnd = m.end;
  }
  return prevEnd === -1 ? s : out + s.slice(last);
}

/** Go's ReplaceAllStringFunc: each match replaced by `fn` of its text. */
export const replaceAllFunc = (re: Regexp, s: string, fn: (match: string) => string): string =>
  replaceMatches(re, s, (m) => fn(s.slice(m.index, m.end)));

/** Go's ReplaceAllString: each match replaced by `template` expanded against it ($1, ${name}, $$). */
export const replaceAllString = (re: Regexp, s: string, template: string): string =>
  replaceMatches(re, s, (m) => expand(template, m, re.names));

/** Go's Regexp.Expand: $1, ${1}, $name, ${name} and $$ in `template`, against a match. */
export function expand(template: string, match: Match, names: Readonly<Record<string, number>>): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (template[i] === '{') {
      const close = template.indexOf('}', i);
      const inner = close < 0 ? '' : template.slice(i + 1, close);
      if (!/^\w+$/.test(inner)) {
        // not a valid reference: Go copies the `$` through
        out += '$';
        continue;
      }
      name = inner;
      i = close + 1;
    } else {
      const m = /^\w+/.exec(template.slice(i));
      if (!m) {
        out += '$';
        continue;
      }
      name = m[0];
      i += name.length;
    }
    const index = /^\d+$/.test(name) ? Number(name) : names[name];
    if (index !== undefined && index < match.groups.length) out += match.groups[index] ?? '';
  }
  return out;
}
