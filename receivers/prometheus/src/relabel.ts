// Prometheus's relabeling (model/relabel), action by action as its configuration docs describe
// them, over a label set held as a Map. Regexes are RE2 (re2js) and anchored at both ends;
// replacements expand as Go's Regexp.Expand does ($1, ${1}, $name, ${name}, $$).
import { createHash } from 'node:crypto';
import type { RE2JS } from 're2js';
import type { RelabelConfig } from './config.ts';

export type Labels = Map<string, string>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Groups {
  group(i: number | string): string | null;
  groupCount(): number;
}

/** Go's Regexp.Expand of `template` against a match. */
export function expand(template: string, match: Groups, named: Record<string, number>): string {
  if (template.indexOf('$') < 0) return template;
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
      if (close < 0 || !/^\w+$/.test(inner)) {
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
    let index = -1;
    if (/^\d+$/.test(name)) index = Number(name);
    else if (named[name] !== undefined) index = named[name];
    if (index >= 0 && index <= match.groupCount()) out += match.group(index) ?? '';
  }
  return out;
}

function sourceValue(labels: Labels, cfg: RelabelConfig): string {
  const sources = cfg.source_labels;
  if (sources.length === 1) return labels.get(sources[0]) ?? '';
  let v = '';
  for (let i = 0; i < sources.length; i++) {
    if (i > 0) v += cfg.separator;
    v += labels.get(sources[i]) ?? '';
  }
  return v;
}

const namedGroupsCache = new WeakMap<RE2JS, Record<string, number>>();
function namedGroups(re: RE2JS): Record<string, number> {
  let named = namedGroupsCache.get(re);
  if (!named) namedGroupsCache.set(re, (named = re.namedGroups()));
  return named;
}

/** A label's value set, or removed when empty, as Prometheus's label builder does. */
function set(labels: Labels, name: string, value: string): void {
  if (value === '') labels.delete(name);
  else labels.set(name, value);
}

/**
 * Applies `configs` in order to `labels` (changed in place). Returns false when a keep/drop
 * step dropped the whole label set.
 */
export function relabel(labels: Labels, configs: RelabelConfig[]): boolean {
  for (const cfg of configs) {
    const re = cfg.regex.re;
    switch (cfg.action) {
      case 'drop':
        if (re.testExact(sourceValue(labels, cfg))) return false;
        break;
      case 'keep':
        if (!re.testExact(sourceValue(labels, cfg))) return false;
        break;
      case 'dropequal':
        if (sourceValue(labels, cfg) === (labels.get(cfg.target_label) ?? '')) return false;
        break;
      case 'keepequal':
        if (sourceValue(labels, cfg) !== (labels.get(cfg.target_label) ?? '')) return false;
        break;
      case 'replace': {
        const m = re.matcher(sourceValue(labels, cfg));
        if (!m.matches()) break;
        const named = namedGroups(re);
        const target = expand(cfg.target_label, m, named);
        if (!LABEL_NAME.test(target)) break;
        set(labels, target, expand(cfg.replacement, m, named));
        break;
      }
      case 'lowercase':
        set(labels, cfg.target_label, sourceValue(labels, cfg).toLowerCase());
        break;
      case 'uppercase':
        set(labels, cfg.target_label, sourceValue(labels, cfg).toUpperCase());
        break;
      case 'hashmod': {
        // the last 8 bytes of the MD5 sum as a big-endian integer, modulo `modulus`
        const sum = createHash('md5').update(sourceValue(labels, cfg)).digest();
        const mod = sum.readBigUInt64BE(8) % BigInt(cfg.modulus);
        set(labels, cfg.target_label, mod.toString());
        break;
      }
      case 'labelmap': {
        const named = namedGroups(re);
        const additions: Array<[string, string]> = [];
        for (const [name, value] of labels) {
          const m = re.matcher(name);
          if (m.matches()) additions.push([expand(cfg.replacement, m, named), value]);
        }
        for (const [name, value] of additions) set(labels, name, value);
        break;
      }
      case 'labeldrop':
        for (const name of [...labels.keys()]) if (re.testExact(name)) labels.delete(name);
        break;
      case 'labelkeep':
        for (const name of [...labels.keys()]) if (!re.testExact(name)) labels.delete(name);
        break;
    }
  }
  return true;
}
