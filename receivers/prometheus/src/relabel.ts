// Prometheus's relabeling (model/relabel), action by action as its configuration docs describe
// them, over a label set held as a Map. Regexes are Go's (RE2), anchored at both ends;
// replacements expand as Go's Regexp.Expand does ($1, ${1}, $name, ${name}, $$).
import { createHash } from 'node:crypto';
import { expand } from '@flowtel/regexp';
import type { RelabelConfig } from './config.ts';

export type Labels = Map<string, string>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

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
        if (re.test(sourceValue(labels, cfg))) return false;
        break;
      case 'keep':
        if (!re.test(sourceValue(labels, cfg))) return false;
        break;
      case 'dropequal':
        if (sourceValue(labels, cfg) === (labels.get(cfg.target_label) ?? '')) return false;
        break;
      case 'keepequal':
        if (sourceValue(labels, cfg) !== (labels.get(cfg.target_label) ?? '')) return false;
        break;
      case 'replace': {
        const m = re.exec(sourceValue(labels, cfg));
        if (!m) break;
        const target = expand(cfg.target_label, m, re.names);
        if (!LABEL_NAME.test(target)) break;
        set(labels, target, expand(cfg.replacement, m, re.names));
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
        const additions: Array<[string, string]> = [];
        for (const [name, value] of labels) {
          const m = re.exec(name);
          if (m) additions.push([expand(cfg.replacement, m, re.names), value]);
        }
        for (const [name, value] of additions) set(labels, name, value);
        break;
      }
      case 'labeldrop':
        for (const name of [...labels.keys()]) if (re.test(name)) labels.delete(name);
        break;
      case 'labelkeep':
        for (const name of [...labels.keys()]) if (!re.test(name)) labels.delete(name);
        break;
    }
  }
  return true;
}
