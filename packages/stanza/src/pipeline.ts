// The operators of one receiver wired as stanza wires them: each goes to its `output` (ids),
// else to the next in the list; the last one (and any that names no next) to the receiver.
import type { Entry } from './entry.ts';
import { type OperatorConfig, outputsOf } from './config.ts';
import { Operator, type OperatorContext } from './operator.ts';
import {
  add,
  assignKeys,
  copy,
  CsvParser,
  Filter,
  flatten,
  JsonParser,
  KeyValueParser,
  move,
  Noop,
  RegexParser,
  regexReplace,
  remove,
  retain,
  Router,
  scopeNameParser,
  severityParser,
  timeParser,
  traceParser,
  unquote,
  UriParser,
} from './operators.ts';
import { Container, Recombine } from './recombine.ts';
import { SyslogParser } from './syslog.ts';

class Sink extends Operator {
  private readonly out: (e: Entry) => void;
  constructor(out: (e: Entry) => void, ctx: OperatorContext) {
    super('$receiver', ctx);
    this.out = out;
  }
  process(e: Entry): void {
    this.out(e);
  }
}

type Build = (c: any, ctx: OperatorContext) => Operator;
const of =
  <C>(K: new (c: C, ctx: OperatorContext) => Operator): Build =>
  (c, ctx) =>
    new K(c, ctx);
const BUILDERS: Record<OperatorConfig['type'], Build> = {
  json_parser: of(JsonParser),
  uri_parser: of(UriParser),
  syslog_parser: (c, ctx) => new SyslogParser(c, ctx),
  regex_parser: of(RegexParser),
  key_value_parser: of(KeyValueParser),
  csv_parser: of(CsvParser),
  severity_parser: severityParser,
  time_parser: timeParser,
  trace_parser: traceParser,
  scope_name_parser: scopeNameParser,
  unquote,
  add,
  copy,
  move,
  remove,
  retain,
  flatten,
  regex_replace: regexReplace,
  assign_keys: assignKeys,
  noop: of(Noop),
  router: of(Router),
  filter: of(Filter),
  recombine: of(Recombine),
  container: of(Container),
};

export class Pipeline {
  private readonly first: Operator;
  private readonly operators: Operator[];
  constructor(configs: OperatorConfig[], ctx: OperatorContext, out: (e: Entry) => void) {
    const sink = new Sink(out, ctx);
    this.operators = configs.map((c) => BUILDERS[c.type]({ ...c, id: c.id ?? c.type }, ctx));
    const byId = new Map(this.operators.map((o) => [o.id, o]));
    const resolve = (ids: string[]) => ids.map((id) => byId.get(id)!);
    configs.forEach((c, i) => {
      const op = this.operators[i];
      const next = this.operators[i + 1] ?? sink;
      const explicit = outputsOf(c.output);
      op.outputs = explicit.length ? resolve(explicit) : [next];
      if (c.type === 'router' && op instanceof Router) {
        c.routes.forEach((r, k) => (op.routes[k].outputs = resolve(outputsOf(r.output))));
        op.defaults = resolve(outputsOf(c.default));
      }
    });
    this.first = this.operators[0] ?? sink;
  }

  process(e: Entry): void {
    this.first.process(e);
  }

  /** emits held entries older than their flush period, or all of them with force */
  flush(force: boolean): void {
    for (const o of this.operators) o.flush(force);
  }
}
