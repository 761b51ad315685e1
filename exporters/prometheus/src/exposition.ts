// The translated series written as the text exposition format 0.0.4 or OpenMetrics 1.0, as
// client_golang's expfmt writes them for contrib's exporter: one block per metric family
// (HELP, TYPE, then its samples), families sorted by name, floats as Go's
// strconv.FormatFloat(f, 'g', -1, 64) writes them. Exemplars only in OpenMetrics, on
// counters and histogram buckets.
import type { MetricMetadata, TimeSeries, Translation } from '@flowtel/prometheus';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

// prompb's MetricType numbers, as the translator fills MetricMetadata.type
const TYPES: Record<number, FamilyType> = { 1: 'counter', 2: 'gauge', 3: 'histogram', 5: 'summary' };

interface Family {
  name: string;
  type: FamilyType;
  help: string;
  series: TimeSeries[];
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64): shortest digits, exponent form below 1e-4 and from 1e6. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const e = f.toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp >= -4 && exp < 6) return String(f);
  const abs = Math.abs(exp);
  return `${e.slice(0, at)}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

/** OpenMetrics wants a float to look like one: `1.0`, not `1`. */
const omFloat = (f: number) => {
  const s = goFloat(f);
  return /[.eIN]/.test(s) ? s : `${s}.0`;
};

const escapeHelp = (s: string, om: boolean) =>
  s.replace(om ? /[\\\n"]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
const escapeValue = (s: string) => s.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

function labelText(labels: Array<{ name: string; value: string }>): string {
  let out = '';
  for (const l of labels) {
    if (l.name === '__name__') continue;
    out += `${out === '' ? '' : ','}${l.name}="${escapeValue(l.value)}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

const seriesName = (ts: TimeSeries) => ts.labels.find((l) => l.name === '__name__')?.value ?? '';

/**
 * Groups series into families by the translator's metadata: a histogram's `_bucket`, `_sum`
 * and `_count` and a summary's `_sum` and `_count` join their family; `target_info` is a
 * gauge. Returns the families sorted by name and the names whose type conflicted.
 */
export function families(
  translation: Translation,
  targetInfoName: string,
): { families: Family[]; conflicts: string[] } {
  const meta = new Map<string, MetricMetadata>();
  const conflicts: string[] = [];
  for (const m of translation.metadata) {
    const seen = meta.get(m.metricFamilyName);
    if (!seen) meta.set(m.metricFamilyName, m);
    else if (seen.type !== m.type) conflicts.push(m.metricFamilyName);
  }
  const byName = new Map<string, Family>();
  const family = (name: string, type: FamilyType, help: string) => {
    let f = byName.get(name);
    if (!f) byName.set(name, (f = { name, type, help, series: [] }));
    return f;
  };
  for (const ts of translation.series) {
    if (ts.samples.length === 0) continue;
    const name = seriesName(ts);
    let f: Family | undefined;
    const own = meta.get(name);
    if (own) f = family(name, TYPES[own.type] ?? 'unknown', own.help);
    else {
      for (const suffix of ['_bucket', '_sum', '_count']) {
        if (!name.endsWith(suffix)) continue;
        const base = name.slice(0, -suffix.length);
        const m = meta.get(base);
        const type = m && TYPES[m.type];
        if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) f = family(base, type, m!.help);
        break;
      }
      if (!f && name === targetInfoName) f = family(name, 'gauge', 'Target metadata');
      f ??= family(name, 'unknown', '');
    }
    f.series.push(ts);
  }
  return { families: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), conflicts };
}

/** The page: every family, its samples (the latest one per series), and `# EOF` for OpenMetrics. */
export function writeExposition(list: Family[], format: ExpositionFormat, sendTimestamps: boolean): string {
  const om = format === 'openmetrics';
  const parts: string[] = [];
  for (const f of list) {
    // OpenMetrics names a counter family without `_total` and writes its samples with it
    const familyName = om && f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
    if (f.help !== '' || !om) parts.push(`# HELP ${familyName} ${escapeHelp(f.help, om)}\n`);
    parts.push(`# TYPE ${familyName} ${om || f.type !== 'unknown' ? f.type : 'untyped'}\n`);
    for (const ts of f.series) {
      const sample = ts.samples[ts.samples.length - 1];
      let name = seriesName(ts);
      if (om && f.type === 'counter' && !name.endsWith('_total')) name = `${name}_total`;
      let line = `${name}${labelText(ts.labels)} ${om ? omFloat(sample.value) : goFloat(sample.value)}`;
      if (sendTimestamps) line += ` ${om ? goFloat(sample.timestamp / 1000) : sample.timestamp}`;
      const exemplar = ts.exemplars[ts.exemplars.length - 1];
      if (om && exemplar && (f.type === 'counter' || name.endsWith('_bucket'))) {
        const sorted = [...exemplar.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        line += ` # ${labelText(sorted) || '{}'} ${omFloat(exemplar.value)}`;
        if (exemplar.timestamp > 0) line += ` ${goFloat(exemplar.timestamp / 1000)}`;
      }
      parts.push(`${line}\n`);
    }
  }
  if (om) parts.push('# EOF\n');
  return parts.join('');
}
