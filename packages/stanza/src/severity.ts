// stanza's severity mapping: the preset (default, otel/aliases, none) plus the user's mapping
// of severity names to values (strings, ints, {min,max} ranges, 2xx..5xx), matched
// case-insensitively; the text kept is the value as found (or the level's name with overwrite_text).
import type { Value } from './entry.ts';
import { severityName } from './entry.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function preset(name: string): Map<string, number> {
  const m = new Map<string, number>();
  if (name === 'none') return m;
  LEVELS.forEach((level, li) => {
    for (let k = 0; k < 4; k++) {
      const n = li * 4 + k + 1;
      m.set(k === 0 ? level : `${level}${k + 1}`, n);
      m.set(String(n), n);
    }
  });
  if (name === 'default') {
    for (let k = 0; k < 4; k++) {
      const suffix = k === 0 ? '' : String(k + 1);
      m.set(`warning${suffix}`, 13 + k);
      m.set(`err${suffix}`, 17 + k);
    }
  }
  return m;
}

const ALIASES = preset('aliases');

const expand = (min: number, max: number): string[] => {
  if (min > max) [min, max] = [max, min];
  const out: string[] = [];
  for (let i = min; i <= max; i++) out.push(String(i));
  return out;
};

function parseable(v: unknown): string[] {
  if (typeof v === 'number') return [String(v)];
  if (typeof v === 'string') {
    const http = /^([2-5])xx$/.exec(v);
    if (http) return expand(Number(http[1]) * 100, Number(http[1]) * 100 + 99);
    return [v.toLowerCase()];
  }
  if (v && typeof v === 'object' && 'min' in v && 'max' in v)
    return expand((v as { min: number }).min, (v as { max: number }).max);
  throw new Error(`type ${typeof v} cannot be parsed as a severity`);
}

export class SeverityMapping {
  private readonly map: Map<string, number>;
  private readonly overwriteText: boolean;
  constructor(presetName: string, mapping: Record<string, unknown>, overwriteText: boolean) {
    this.map = preset(presetName);
    this.overwriteText = overwriteText;
    for (const [level, values] of Object.entries(mapping)) {
      const sev = ALIASES.get(level.toLowerCase());
      if (sev === undefined) throw new Error(`unrecognized severity '${level}' in mapping`);
      for (const v of Array.isArray(values) ? values : [values]) for (const s of parseable(v)) this.map.set(s, sev);
    }
  }

  /** [severity number, severity text] for a value, or throws for a type that cannot be one. */
  find(value: Value): [number, string] {
    let text: string;
    let key: string;
    if (typeof value === 'string') {
      text = value;
      // the mapping's keys are lower case: most values are already
      key = this.map.has(value) ? value : value.toLowerCase();
    } else if (typeof value === 'bigint') {
      text = key = String(value);
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new Error('type float64 cannot be a severity unless it is a whole number');
      text = key = String(value);
    } else if (value instanceof Uint8Array) {
      text = Buffer.from(value).toString();
      key = text.toLowerCase();
    } else throw new Error(`type ${value === null ? 'nil' : typeof value} cannot be a severity`);
    const sev = this.map.get(key) ?? 0;
    if (this.overwriteText && sev !== 0) text = severityName(sev);
    return [sev, text];
  }
}
