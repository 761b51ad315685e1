// Label sets as the contrib translator builds them: attributes sorted by key and sanitized
// (keys that collide after sanitizing have their values joined with ';'), `job` and
// `instance` from the service attributes, external labels where no attribute claims the
// name, then the translator's own labels (`__name__`, `le`, `quantile`) over everything.
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import type { LabelNamer } from './naming.ts';
import type { Label } from './series.ts';

export const SERVICE_NAME = 'service.name';
export const SERVICE_NAMESPACE = 'service.namespace';
export const SERVICE_INSTANCE_ID = 'service.instance.id';

/** pcommon.Value.AsString: how an attribute value reads as a label value. */
export function anyValueToString(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue.toString();
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  if ('arrayValue' in v || 'kvlistValue' in v) return JSON.stringify(anyValueToJson(v));
  return '';
}

function anyValueToJson(v: AnyValue): unknown {
  if ('arrayValue' in v) return v.arrayValue.values.map(anyValueToJson);
  if ('kvlistValue' in v) return Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, anyValueToJson(kv.value)]));
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('stringValue' in v) return v.stringValue;
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  return null;
}

/** The identity of a resource: what becomes `job` and `instance`. */
export interface ServiceIdentity {
  job?: string;
  instance?: string;
}

export function serviceIdentity(resourceAttributes: KeyValue[]): ServiceIdentity {
  let name: string | undefined;
  let namespace: string | undefined;
  let instance: string | undefined;
  for (const kv of resourceAttributes) {
    if (kv.key === SERVICE_NAME) name = anyValueToString(kv.value);
    else if (kv.key === SERVICE_NAMESPACE) namespace = anyValueToString(kv.value);
    else if (kv.key === SERVICE_INSTANCE_ID) instance = anyValueToString(kv.value);
  }
  const job = name === undefined ? undefined : namespace !== undefined ? `${namespace}/${name}` : name;
  return { job, instance };
}

const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const byName = (a: Label, b: Label) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class LabelBuilder {
  private readonly namer: LabelNamer;
  private readonly externalLabels: Label[];

  constructor(namer: LabelNamer, externalLabels: Label[]) {
    this.namer = namer;
    this.externalLabels = externalLabels;
  }

  /**
   * The labels of a point, without the translator's own; `ignore` leaves attributes out
   * (target_info leaves out the ones that became job and instance).
   */
  base(attributes: KeyValue[], identity: ServiceIdentity, ignore?: ReadonlySet<string>): Map<string, string> {
    const out = new Map<string, string>();
    const sorted = attributes.length > 1 ? [...attributes].sort(byKey) : attributes;
    for (const kv of sorted) {
      if (ignore?.has(kv.key)) continue;
      const name = this.namer.build(kv.key);
      if (name === '') continue;
      const value = anyValueToString(kv.value);
      const existing = out.get(name);
      out.set(name, existing === undefined ? value : `${existing};${value}`);
    }
    if (identity.job !== undefined) out.set('job', identity.job);
    if (identity.instance !== undefined) out.set('instance', identity.instance);
    for (const l of this.externalLabels) if (!out.has(l.name)) out.set(l.name, l.value);
    return out;
  }

  /** The sorted label set of one series: `base` plus `__name__` and extra pairs over it. */
  finish(base: Map<string, string>, metricName: string, extraName?: string, extraValue?: string): Label[] {
    const labels: Label[] = [];
    for (const [name, value] of base) {
      if (name === '__name__' || name === extraName) continue;
      labels.push({ name, value });
    }
    labels.push({ name: '__name__', value: metricName });
    if (extraName !== undefined) labels.push({ name: extraName, value: extraValue ?? '' });
    return labels.sort(byName);
  }
}

/** A key that identifies a label set (labels sorted): series with equal keys merge. */
export function seriesKey(labels: Label[]): string {
  let key = '';
  for (const l of labels) key += `${l.name}\u00ff${l.value}\u00fe`;
  return key;
}
