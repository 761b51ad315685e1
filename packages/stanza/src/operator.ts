// What every operator shares: where its entries go next, its `if` condition and its on_error
// policy (send / send_quiet / drop / drop_quiet), and the embedded timestamp, severity, trace,
// scope_name and body steps parsers run after parsing, in contrib's order.
import type { Logger } from 'pino';
import {
  type Entry,
  type Field,
  type Value,
  copyEntry,
  getField,
  isMap,
  mergeInto,
  parseField,
  setField,
} from './entry.ts';
import { type Expr, compileExpr } from './expr.ts';
import type { SeverityConfig, TimeConfig, TraceConfig } from './config.ts';
import { SeverityMapping } from './severity.ts';
import { GoTimeLayout, type EpochLayout, loadZone, parseEpoch, strptimeToGo, type Zone } from './timeparse.ts';

/** Counts and logs what operators drop or fail on, at most one log line per operator per second. */
export interface OperatorContext {
  logger: Logger;
  /** an entry an operator failed on (counted whatever its on_error) */
  onFailure?(operatorId: string): void;
  /** an entry dropped by a filter or on_error: drop */
  onDrop?(operatorId: string): void;
}

export abstract class Operator {
  readonly id: string;
  outputs: Operator[] = [];
  protected readonly ctx: OperatorContext;
  private lastLog = 0;
  constructor(id: string, ctx: OperatorContext) {
    this.id = id;
    this.ctx = ctx;
  }

  abstract process(e: Entry): void;

  /** emits what the operator holds (recombine, partial container lines); called on a timer and at shutdown */
  flush(_force: boolean): void {}

  protected emit(e: Entry): void {
    const outs = this.outputs;
    if (outs.length === 1) {
      outs[0].process(e);
      return;
    }
    for (let i = 0; i < outs.length; i++) outs[i].process(i === outs.length - 1 ? e : copyEntry(e));
  }

  protected logError(err: unknown, e: Entry | undefined, quiet: boolean): void {
    this.ctx.onFailure?.(this.id);
    if (quiet) return;
    const now = Date.now();
    if (now - this.lastLog < 1000) return;
    this.lastLog = now;
    const message = err instanceof Error ? err.message : String(err);
    this.ctx.logger.error(
      { operator: this.id, error: message, body: e && typeof e.body === 'string' ? e.body.slice(0, 200) : undefined },
      'operator failed to process an entry',
    );
  }
}

export type OnError = 'send' | 'send_quiet' | 'drop' | 'drop_quiet';

export interface TransformerOptions {
  id: string;
  on_error: OnError;
  if?: string;
}

/** An operator that changes an entry in place and passes it on. */
export abstract class Transformer extends Operator {
  private readonly onError: OnError;
  private readonly cond?: Expr;
  constructor(o: TransformerOptions, ctx: OperatorContext) {
    super(o.id, ctx);
    this.onError = o.on_error;
    this.cond = o.if ? compileExpr(o.if) : undefined;
  }

  /** the change; throws to apply on_error */
  protected abstract transform(e: Entry): void;

  process(e: Entry): void {
    if (this.cond && !this.cond.test(e)) {
      this.emit(e);
      return;
    }
    try {
      this.transform(e);
    } catch (err) {
      this.fail(e, err);
      return;
    }
    this.emit(e);
  }

  protected fail(e: Entry, err: unknown): void {
    const drop = this.onError === 'drop' || this.onError === 'drop_quiet';
    this.logError(err, e, this.onError.endsWith('_quiet'));
    if (drop) this.ctx.onDrop?.(this.id);
    else this.emit(e);
  }
}

export class MissingFieldError extends Error {
  constructor(f: Field) {
    super(`Entry is missing the expected parse_from field: ${f.text}`);
  }
}

/** The embedded time parser of a parser or the time_parser operator. */
export class TimeStep {
  private readonly from: Field;
  private readonly go?: GoTimeLayout;
  private readonly epoch?: EpochLayout;
  constructor(c: TimeConfig | (TimeConfig & { parse_from: string })) {
    this.from = parseField(c.parse_from!);
    if (c.layout_type === 'epoch') this.epoch = c.layout as EpochLayout;
    else {
      const layout = c.layout_type === 'strptime' ? strptimeToGo(c.layout!) : c.layout!;
      // as stanza: a layout ending in Z is UTC when no location is given
      const zone: Zone = c.location ? loadZone(c.location) : layout.endsWith('Z') ? { kind: 'utc' } : { kind: 'local' };
      const locations: Record<string, Zone> = {};
      for (const [abbr, name] of Object.entries(c.time_zone_locations ?? {})) locations[abbr] = loadZone(name);
      this.go = new GoTimeLayout(layout, zone, locations);
    }
  }
  apply(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new MissingFieldError(this.from);
    if (this.epoch) {
      e.timestamp = parseEpoch(this.epoch, v);
      return;
    }
    if (typeof v !== 'string' && !(v instanceof Uint8Array))
      throw new Error(`type ${typeof v} cannot be parsed as a time`);
    e.timestamp = this.go!.parse(typeof v === 'string' ? v : Buffer.from(v).toString());
  }
}

export class SeverityStep {
  private readonly from: Field;
  private readonly mapping: SeverityMapping;
  constructor(c: Pick<SeverityConfig, 'preset' | 'mapping' | 'overwrite_text'> & { parse_from?: string }) {
    this.from = parseField(c.parse_from ?? 'body');
    this.mapping = new SeverityMapping(c.preset, c.mapping, c.overwrite_text);
  }
  apply(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new MissingFieldError(this.from);
    [e.severity, e.severityText] = this.mapping.find(v);
  }
}

const hexBytes = (v: Value | undefined, size: number, what: string): Uint8Array | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  if (v.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(v))
    throw new Error(`${what} must be ${size * 2} hex characters (got "${v}")`);
  return Uint8Array.from(Buffer.from(v, 'hex'));
};

export class TraceStep {
  private readonly traceId: Field;
  private readonly spanId: Field;
  private readonly flags: Field;
  constructor(c: TraceConfig) {
    this.traceId = parseField(c.trace_id.parse_from);
    this.spanId = parseField(c.span_id.parse_from);
    this.flags = parseField(c.trace_flags.parse_from);
  }
  apply(e: Entry): void {
    const errors: string[] = [];
    const tryDo = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        errors.push((err as Error).message);
      }
    };
    tryDo(() => {
      const t = hexBytes(getField(e, this.traceId), 16, 'trace_id');
      if (t) e.traceId = t;
    });
    tryDo(() => {
      const s = hexBytes(getField(e, this.spanId), 8, 'span_id');
      if (s) e.spanId = s;
    });
    tryDo(() => {
      const f = hexBytes(getField(e, this.flags), 1, 'trace_flags');
      if (f) e.traceFlags = f[0];
    });
    if (errors.length) throw new Error(errors.join('; '));
  }
}

export class ScopeNameStep {
  private readonly from: Field;
  constructor(parseFrom: string) {
    this.from = parseField(parseFrom);
  }
  apply(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new MissingFieldError(this.from);
    if (typeof v !== 'string') throw new Error('scope_name: the value is not a string');
    e.scopeName = v;
  }
}

export interface ParserOptions extends TransformerOptions {
  parse_from: string;
  parse_to: string;
  body?: string;
  timestamp?: TimeConfig;
  severity?: SeverityConfig;
  trace?: TraceConfig;
  scope_name?: { parse_from: string };
}

/** A parser: reads parse_from, writes a map to parse_to, then runs the embedded steps. */
export abstract class Parser extends Transformer {
  protected readonly from: Field;
  protected readonly to: Field;
  private readonly bodyField?: Field;
  private readonly steps: Array<{ apply(e: Entry): void }> = [];
  constructor(o: ParserOptions, ctx: OperatorContext) {
    super(o, ctx);
    this.from = parseField(o.parse_from);
    this.to = parseField(o.parse_to);
    if (o.body) this.bodyField = parseField(o.body);
    if (o.timestamp) this.steps.push(new TimeStep(o.timestamp));
    if (o.severity) this.steps.push(new SeverityStep(o.severity));
    if (o.trace) this.steps.push(new TraceStep(o.trace));
    if (o.scope_name) this.steps.push(new ScopeNameStep(o.scope_name.parse_from));
  }

  /** the parsed value of parse_from */
  protected abstract parse(value: Value, e: Entry): Value;

  protected transform(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new MissingFieldError(this.from);
    const parsed = this.parse(v, e);
    this.write(e, parsed);
    this.after(e);
  }

  protected write(e: Entry, parsed: Value): void {
    if (isMap(parsed) && !(this.to.root === 'body' && this.to.keys.length === 0)) mergeInto(e, this.to, parsed);
    else setField(e, this.to, parsed);
  }

  /** the embedded steps (body, timestamp, severity, trace, scope_name) */
  protected after(e: Entry): void {
    if (this.bodyField) {
      const b = getField(e, this.bodyField);
      if (b !== undefined) e.body = b;
    }
    for (const s of this.steps) s.apply(e);
  }
}
