// The file patterns of include/exclude as contrib matches them (bmatcuk/doublestar): `*` and `?`
// within one path segment, `**` as a whole segment for any number of directories, `[...]`
// classes, `{a,b}` alternatives, `\` escapes. The walk reads only the directories a pattern
// can reach.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One path segment's pattern as an anchored RegExp. */
function segmentRegExp(seg: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '\\' && i + 1 < seg.length) re += escape(seg[++i]);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const isMeta = (seg: string) => /[*?[{\\]/.test(seg);

type Seg = { kind: 'lit'; name: string } | { kind: 'glob'; re: RegExp } | { kind: 'any' };

function compile(pattern: string): { root: string; segs: Seg[] } {
  const abs = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  if (abs) parts.shift();
  const segs: Seg[] = parts.map((p) =>
    p === '**' ? { kind: 'any' } : isMeta(p) ? { kind: 'glob', re: segmentRegExp(p) } : { kind: 'lit', name: p },
  );
  return { root: abs ? '/' : '.', segs };
}

/** Whether `path` matches `pattern` (doublestar.Match over '/'-separated paths). */
export function globMatch(pattern: string, path: string): boolean {
  const { segs } = compile(pattern);
  const parts = path.split('/').filter((p, i) => p !== '' || i === 0);
  if (path.startsWith('/')) parts.shift();
  const go = (si: number, pi: number): boolean => {
    if (si === segs.length) return pi === parts.length;
    const s = segs[si];
    if (s.kind === 'any') {
      for (let k = pi; k <= parts.length; k++) if (go(si + 1, k)) return true;
      return false;
    }
    if (pi >= parts.length) return false;
    if (s.kind === 'lit' ? s.name !== parts[pi] : !s.re.test(parts[pi])) return false;
    return go(si + 1, pi + 1);
  };
  return go(0, 0);
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The regular files (symlinks followed) that `pattern` names, sorted. */
export function globFiles(pattern: string): string[] {
  const { root, segs } = compile(pattern);
  const out = new Set<string>();
  const walk = (dir: string, si: number) => {
    if (si === segs.length) {
      if (isFile(dir)) out.add(dir);
      return;
    }
    const s = segs[si];
    if (s.kind === 'lit') {
      const next = join(dir, s.name);
      if (si === segs.length - 1 || isDir(next)) walk(next, si + 1);
      return;
    }
    if (s.kind === 'any') {
      walk(dir, si + 1);
      for (const name of list(dir)) {
        const p = join(dir, name);
        if (isDir(p)) walk(p, si);
      }
      return;
    }
    for (const name of list(dir)) if (s.re.test(name)) walk(join(dir, name), si + 1);
  };
  walk(root, 0);
  return [...out].sort();
}
