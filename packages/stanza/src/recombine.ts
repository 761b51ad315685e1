// Operators that hold entries to join them: `recombine` (multi-line records by a first- or
// last-entry expression, per source) and `container` (docker JSON, CRI-O and containerd lines,
// their partial lines joined, k8s resource attributes from the /var/log/pods path).
import { compileRegexp } from '@flowtel/regexp';
import { type Entry, type Field, type Value, getField, isMap, parseField, setField, valueToString } from './entry.ts';
import { type Expr, compileExpr } from './expr.ts';
import { Operator, type OperatorContext, SeverityStep, type OnError } from './operator.ts';
import type { OperatorConfig } from './config.ts';
import { GoTimeLayout } from './timeparse.ts';

type Cfg<T extends OperatorConfig['type']> = Extract<OperatorConfig, { type: T }> & { id: string };

interface Pending {
  entries: Entry[];
  size: number;
  /** when the last entry joined (ms) */
  last: number;
}

const DEFAULT_SOURCE = 'DefaultSourceIdentifier';

export class Recombine extends Operator {
  private readonly combineField: Field;
  private readonly first?: Expr;
  private readonly lastExpr?: Expr;
  private readonly combineWith: string;
  private readonly maxBatch: number;
  private readonly maxUnmatched: number;
  private readonly maxLogSize: number;
  private readonly source: Field;
  private readonly flushMs: number;
  private readonly maxSources: number;
  private readonly newest: boolean;
  private readonly batches = new Map<string, Pending & { matched: boolean }>();
  constructor(c: Cfg<'recombine'>, ctx: OperatorContext) {
    super(c.id, ctx);
    this.combineField = parseField(c.combine_field!);
    if (c.is_first_entry) this.first = compileExpr(c.is_first_entry);
    if (c.is_last_entry) this.lastExpr = compileExpr(c.is_last_entry);
    this.combineWith = c.combine_with;
    this.maxBatch = c.max_batch_size;
    this.maxUnmatched = c.max_unmatched_batch_size;
    this.maxLogSize = c.max_log_size;
    this.source = parseField(c.source_identifier);
    this.flushMs = c.force_flush_period;
    this.maxSources = c.max_sources;
    this.newest = c.overwrite_with === 'newest';
  }

  process(e: Entry): void {
    const s = getField(e, this.source);
    const source = typeof s === 'string' ? s : DEFAULT_SOURCE;
    if (this.first) {
      const isFirst = this.first.test(e);
      if (isFirst) {
        this.flushSource(source);
        this.add(source, e, true);
      } else {
        const b = this.batches.get(source);
        this.add(source, e, false);
        if (!b?.matched && this.maxUnmatched > 0 && this.batches.get(source)!.entries.length >= this.maxUnmatched)
          this.flushSource(source);
      }
    } else {
      this.add(source, e, false);
      if (this.lastExpr!.test(e)) this.flushSource(source);
    }
  }

  private add(source: string, e: Entry, first: boolean): void {
    let b = this.batches.get(source);
    if (!b) {
      if (this.batches.size >= this.maxSources) this.flush(true);
      b = { entries: [], size: 0, last: 0, matched: first };
      this.batches.set(source, b);
    }
    const v = getField(e, this.combineField);
    b.entries.push(e);
    b.size += v === undefined ? 0 : Buffer.byteLength(valueToString(v));
    b.last = Date.now();
    if (b.entries.length >= this.maxBatch || (this.maxLogSize > 0 && b.size >= this.maxLogSize))
      this.flushSource(source);
  }

  private flushSource(source: string): void {
    const b = this.batches.get(source);
    if (!b) return;
    this.batches.delete(source);
    const base = this.newest ? b.entries[b.entries.length - 1] : b.entries[0];
    const parts: string[] = [];
    for (const e of b.entries) {
      const v = getField(e, this.combineField);
      if (v !== undefined) parts.push(valueToString(v));
    }
    setField(base, this.combineField, parts.join(this.combineWith));
    this.emit(base);
  }

  override flush(force: boolean): void {
    const now = Date.now();
    for (const [source, b] of [...this.batches]) if (force || now - b.last >= this.flushMs) this.flushSource(source);
  }
}

const CRIO = compileRegexp('^(?P<time>[^ Z]+) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$');
const CONTAINERD = compileRegexp('^(?P<time>[^ ^Z]+Z) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$');
const POD_PATH = compileRegexp(
  '^.*\\/(?P<namespace>[^_]+)_(?P<pod_name>[^_]+)_(?P<uid>[a-f0-9\\-]+)\\/(?P<container_name>[^\\._]+)\\/(?P<restart_count>\\d+)\\.log$',
);
const UTC = { kind: 'utc' } as const;
const CRIO_TIME = new GoTimeLayout('2006-01-02T15:04:05.999999999Z07:00', UTC);
const CONTAINERD_TIME = new GoTimeLayout('2006-01-02T15:04:05.999999999Z', UTC);
const DOCKER_TIME = CONTAINERD_TIME;
const FILE_PATH = 'log.file.path';

function groups(re: typeof CRIO, s: string): Record<string, string> | undefined {
  const idx = re.execIndex(s);
  if (!idx) return undefined;
  const out: Record<string, string> = {};
  re.groupNames.forEach((n, g) => {
    if (n && idx[2 * g] >= 0) out[n] = s.slice(idx[2 * g], idx[2 * g + 1]);
  });
  return out;
}

export class Container extends Operator {
  private readonly format: '' | 'docker' | 'crio' | 'containerd';
  private readonly addMetadata: boolean;
  private readonly maxLogSize: number;
  private readonly from: Field;
  private readonly to: Field;
  private readonly onError: OnError;
  private readonly cond?: Expr;
  private readonly severity?: SeverityStep;
  /** partial lines per file (CRI `P` tags, docker lines without their newline) */
  private readonly partial = new Map<string, Pending>();
  private readonly flushMs = 5000;
  constructor(c: Cfg<'container'>, ctx: OperatorContext) {
    super(c.id, ctx);
    this.format = c.format;
    this.addMetadata = c.add_metadata_from_filepath;
    this.maxLogSize = c.max_log_size;
    this.from = parseField(c.parse_from);
    this.to = parseField(c.parse_to);
    this.onError = c.on_error;
    this.cond = c.if ? compileExpr(c.if) : undefined;
    if (c.severity) this.severity = new SeverityStep({ ...c.severity, parse_from: c.severity.parse_from });
  }

  process(e: Entry): void {
    if (this.cond && !this.cond.test(e)) {
      this.emit(e);
      return;
    }
    try {
      this.parse(e);
    } catch (err) {
      this.logError(err, e, this.onError.endsWith('_quiet'));
      if (this.onError.startsWith('drop')) this.ctx.onDrop?.(this.id);
      else this.emit(e);
    }
  }

  private parse(e: Entry): void {
    const raw = getField(e, this.from);
    if (typeof raw !== 'string')
      throw new Error(`type ${raw === null ? 'nil' : typeof raw} cannot be parsed as a container log`);
    const format = this.format || (raw.startsWith('{') ? 'docker' : CONTAINERD.test(raw) ? 'containerd' : 'crio');
    let log: string;
    let partial: boolean;
    const attrs: Record<string, Value> = {};
    if (format === 'docker') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        throw new Error(`docker log is not JSON: ${(err as Error).message}`);
      }
      if (!isMap(parsed) || typeof parsed.log !== 'string') throw new Error('docker log has no "log" field');
      e.timestamp = DOCKER_TIME.parse(String(parsed.time));
      attrs['log.iostream'] = String(parsed.stream ?? '');
      partial = !parsed.log.endsWith('\n');
      log = partial ? parsed.log : parsed.log.slice(0, -1);
    } else {
      const g = groups(format === 'crio' ? CRIO : CONTAINERD, raw);
      if (!g) throw new Error(`log is not in the ${format} format`);
      e.timestamp = (format === 'crio' ? CRIO_TIME : CONTAINERD_TIME).parse(g.time);
      attrs['log.iostream'] = g.stream;
      attrs.logtag = g.logtag;
      partial = g.logtag === 'P';
      log = g.log ?? '';
    }
    if (this.to.root === 'attributes' && this.to.keys.length === 0) Object.assign(e.attributes, attrs);
    else for (const [k, v] of Object.entries(attrs)) setField(e, { ...this.to, keys: [...this.to.keys, k] }, v);
    e.body = log;
    if (this.addMetadata) this.addK8s(e);
    this.severity?.apply(e);
    const path = e.attributes[FILE_PATH];
    const source = typeof path === 'string' ? path : DEFAULT_SOURCE;
    const pending = this.partial.get(source);
    if (partial || pending) {
      const p = pending ?? { entries: [], size: 0, last: 0 };
      p.entries.push(e);
      p.size += Buffer.byteLength(log);
      p.last = Date.now();
      this.partial.set(source, p);
      if (!partial || (this.maxLogSize > 0 && p.size >= this.maxLogSize)) this.flushSource(source);
      return;
    }
    this.emit(e);
  }

  private addK8s(e: Entry): void {
    const path = e.attributes[FILE_PATH];
    if (typeof path !== 'string')
      throw new Error(
        'operator requires include_file_path: true for the log.file.path attribute (or set add_metadata_from_filepath: false)',
      );
    const g = groups(POD_PATH, path);
    if (!g)
      throw new Error(
        `path "${path}" does not match the /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log layout`,
      );
    e.resource['k8s.pod.name'] = g.pod_name;
    e.resource['k8s.pod.uid'] = g.uid;
    e.resource['k8s.container.name'] = g.container_name;
    e.resource['k8s.container.restart_count'] = g.restart_count;
    e.resource['k8s.namespace.name'] = g.namespace;
  }

  private flushSource(source: string): void {
    const p = this.partial.get(source);
    if (!p) return;
    this.partial.delete(source);
    // the last entry (the full line's tag, its time) carries the joined body, as contrib's recombine with overwrite_with newest
    const last = p.entries[p.entries.length - 1];
    last.body = p.entries.map((x) => x.body as string).join('');
    this.emit(last);
  }

  override flush(force: boolean): void {
    const now = Date.now();
    for (const [source, p] of [...this.partial]) if (force || now - p.last >= this.flushMs) this.flushSource(source);
  }
}
