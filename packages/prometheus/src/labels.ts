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
  if ('kvlistValue' in v)
    return Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, anyValueToJson(kv.value)]));
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

/**
 * Labels sorted by name and a 30-bit hash of them: equal sets, equal hashes. Small enough to
 * stay an unboxed integer in V8's maps; collisions are resolved by comparing the labels.
 */
export interface SeriesLabels {
  labels: Label[];
  hash: number;
}

/** A point's labels before the translator's own (`__name__`, `le`, `quantile`). */
export type BaseLabels = SeriesLabels;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

/** 32-bit FNV-1a over the strings, each followed by a separator no character can fake. */
class LabelHash {
  h = FNV_OFFSET;

  add(s: string): this {
    let h = this.h;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
    this.h = Math.imul(h ^ 0x1ffff, FNV_PRIME);
    return this;
  }

  get value(): number {
    return fold(this.h);
  }
}

const mix = (h: number, n: number) => Math.imul(h ^ n, FNV_PRIME);
const fold = (h: number) => (h ^ (h >>> 30)) & 0x3fffffff;

/**
 * Small integers for strings, so a label set hashes in integer steps: the map's own string
 * hash is native and cached on the string. Ids live for one translation run at least; the
 * table starts over when it grows large (hashes then change, which costs cache misses only).
 */
class StringIds {
  private ids = new Map<string, number>();

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(s, id);
    }
    return id;
  }

  /** Called between runs, never during one. */
  trim(limit: number): void {
    if (this.ids.size > limit) this.ids = new Map();
  }
}

/** The hash of a sorted label set, from scratch (for series built without the translator). */
export function hashLabels(labels: Label[]): number {
  const h = new LabelHash();
  for (const l of labels) h.add(l.name).add(l.value);
  return h.value;
}

export function sameLabels(a: Label[], b: Label[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].name !== b[i].name || a[i].value !== b[i].value) return false;
  return true;
}

/**
 * Inserts keeping `labels` sorted by name, then by attribute key (insertion sort: attributes
 * mostly come sorted already). Returns true when the name was there already.
 */
function insertSorted(labels: Label[], keys: string[], label: Label, key: string): boolean {
  let i = labels.length;
  labels.push(label);
  keys.push(key);
  let collided = false;
  while (i > 0) {
    const prev = labels[i - 1];
    if (prev.name < label.name) break;
    if (prev.name === label.name) {
      collided = true;
      if (keys[i - 1] <= key) break;
    }
    labels[i] = prev;
    keys[i] = keys[i - 1];
    labels[i - 1] = label;
    keys[i - 1] = key;
    i--;
  }
  return collided;
}

/** Labels whose names collided after sanitizing become one, values joined with ';'. */
function joinCollisions(labels: Label[]): Label[] {
  const out: Label[] = [];
  for (const l of labels) {
    const last = out[out.length - 1];
    if (last !== undefined && last.name === l.name) last.value = `${last.value};${l.value}`;
    else out.push({ name: l.name, value: l.value });
  }
  return out;
}

/** distinct strings remembered before the id table starts over */
const MAX_STRING_IDS = 1_000_000;
const MAX_NAME_LABELS = 10_000;

export class LabelBuilder {
  private readonly namer: LabelNamer;
  private readonly externalLabels: Label[];
  private readonly keys: string[] = [];
  private readonly ids = new StringIds();
  private readonly nameLabels = new Map<string, Label>();

  constructor(namer: LabelNamer, externalLabels: Label[]) {
    this.namer = namer;
    this.externalLabels = externalLabels;
  }

  /**
   * The labels of a point, without the translator's own; `ignore` leaves attributes out
   * (target_info leaves out the ones that became job and instance).
   */
  base(attributes: KeyValue[], identity: ServiceIdentity, ignore?: ReadonlySet<string>): BaseLabels {
    const labels: Label[] = [];
    // the attribute key behind each label: colliding names join their values in key order
    const keys = this.keys;
    keys.length = 0;
    let collided = false;
    for (const kv of attributes) {
      if (ignore?.has(kv.key)) continue;
      const name = this.namer.build(kv.key);
      if (
        name === '' ||
        (name === 'job' && identity.job !== undefined) ||
        (name === 'instance' && identity.instance !== undefined)
      )
        continue;
      // string attributes are the common case: read them without the general conversion
      const value = (kv.value as { stringValue?: string }).stringValue ?? anyValueToString(kv.value);
      collided = insertSorted(labels, keys, { name, value }, kv.key) || collided;
    }
    if (identity.job !== undefined) insertSorted(labels, keys, { name: 'job', value: identity.job }, '');
    if (identity.instance !== undefined) insertSorted(labels, keys, { name: 'instance', value: identity.instance }, '');
    for (const l of this.externalLabels) {
      if (!labels.some((x) => x.name === l.name)) insertSorted(labels, keys, { name: l.name, value: l.value }, '');
    }
    let joined = collided ? joinCollisions(labels) : labels;
    // remote write 1.0 allows no empty label values (Prometheus reads one as an absent label)
    if (joined.some((l) => l.value === '')) joined = joined.filter((l) => l.value !== '');
    return { labels: joined, hash: this.hash(joined) };
  }

  /** The sorted label set of one series: `base` with `__name__` and an extra pair put in their places. */
  finish(base: BaseLabels, metricName: string, extraName?: string, extraValue = ''): SeriesLabels {
    const labels: Label[] = [];
    const nameLabel = this.nameLabel(metricName);
    let placedName = false;
    let placedExtra = extraName === undefined;
    let shadowed = false;
    for (const l of base.labels) {
      if (!placedName && l.name >= '__name__') {
        labels.push(nameLabel);
        placedName = true;
      }
      if (!placedExtra && l.name >= extraName!) {
        labels.push({ name: extraName!, value: extraValue });
        placedExtra = true;
      }
      if (l.name === '__name__' || l.name === extraName) {
        shadowed = true;
        continue;
      }
      labels.push(l);
    }
    if (!placedName) labels.push(nameLabel);
    if (!placedExtra) labels.push({ name: extraName!, value: extraValue });
    if (!placedName || !placedExtra) labels.sort(byName);
    // the base's hash stands for the rest of the set, unless a base label was replaced
    if (shadowed) return { labels, hash: this.hash(labels) };
    let hash = mix(mix(FNV_OFFSET, base.hash), this.ids.id(metricName));
    if (extraName !== undefined) hash = mix(mix(hash, this.ids.id(extraName)), this.ids.id(extraValue));
    return { labels, hash: fold(hash) };
  }

  /** One `__name__` label per metric name, shared by its series (labels are never changed in place). */
  private nameLabel(metricName: string): Label {
    let label = this.nameLabels.get(metricName);
    if (label === undefined) {
      if (this.nameLabels.size > MAX_NAME_LABELS) this.nameLabels.clear();
      label = { name: '__name__', value: metricName };
      this.nameLabels.set(metricName, label);
    }
    return label;
  }

  /** Starts a translation run: the only moment the string ids may start over. */
  startRun(): void {
    this.ids.trim(MAX_STRING_IDS);
  }

  private hash(labels: Label[]): number {
    let h = FNV_OFFSET;
    for (const l of labels) h = mix(mix(h, this.ids.id(l.name)), this.ids.id(l.value));
    return fold(h);
  }
}

const byName = (a: Label, b: Label) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
