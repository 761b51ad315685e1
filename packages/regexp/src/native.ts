// V8's engine for the patterns it reads exactly as RE2 does. The plain subset: literals,
// classes without POSIX names, the usual escapes, groups, quantifiers, anchors, alternation;
// no flags, and no quantified group holding another quantifier, so no catastrophic
// backtracking. `\s` is rewritten to RE2's ASCII class and `.` to RE2's "anything but \n".
const SIMPLE_ESCAPES = new Set([
  ...'dDwWbBsS.\\/-+*?()[]{}|^$tnrf',
  '"',
  "'",
  ' ',
  ':',
  '=',
  '!',
  '<',
  '>',
  ',',
  '@',
  '#',
  '&',
  '%',
  '~',
  '_',
]);

/** The JS source for an RE2 pattern in the shared subset, or undefined. */
export function toNative(p: string): string | undefined {
  let out = '';
  // per open group: whether it holds a quantifier
  const groups: boolean[] = [];
  let lastWasGroupWithQuantifier = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    const wasGroup = lastWasGroupWithQuantifier;
    lastWasGroupWithQuantifier = false;
    if (c === '\\') {
      const e = p[++i];
      if (e === undefined || !SIMPLE_ESCAPES.has(e)) return undefined;
      out += e === 's' ? '[\\t\\n\\f\\r ]' : e === 'S' ? '[^\\t\\n\\f\\r ]' : '\\' + e;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') {
        if (p[j] === '[' && p[j + 1] === ':') return undefined;
        if (p[j] === '\\') {
          if (!SIMPLE_ESCAPES.has(p[j + 1] ?? '') || p[j + 1] === 's' || p[j + 1] === 'S') return undefined;
          j++;
        }
        j++;
      }
      if (j >= p.length) return undefined;
      out += p.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        if (p[i + 2] === ':') ((out += '(?:'), (i += 2));
        else if (p[i + 2] === 'P' && p[i + 3] === '<') ((out += '(?<'), (i += 3));
        else return undefined; // flags and other group kinds: RE2's own engine
      } else out += '(';
      groups.push(false);
      continue;
    }
    if (c === ')') {
      const quantified = groups.pop();
      if (quantified === undefined) return undefined;
      out += ')';
      lastWasGroupWithQuantifier = quantified;
      // the enclosing group holds whatever this one held
      if (quantified && groups.length) groups[groups.length - 1] = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (wasGroup) return undefined;
      if (c === '{') {
        const m = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
        if (!m) return undefined;
        out += m[0];
        i += m[0].length - 1;
      } else out += c;
      if (p[i + 1] === '?') out += p[++i];
      if (groups.length) groups[groups.length - 1] = true;
      continue;
    }
    // RE2's dot stops only at \n; V8's also at \r and the Unicode line separators
    out += c === '.' ? '[^\\n]' : c;
  }
  return groups.length ? undefined : out;
}
