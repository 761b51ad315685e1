// The operators' config as contrib's stanza reads it (pkg/stanza/docs/operators): keys, defaults
// and the checks its Build makes (fields parse, regexes compile under RE2, layouts and
// expressions are valid), so `flowtel validate` reports what otelcol would refuse at start.
import { duration, notInFlowtel, z } from '@flowtel/core';
import { compileRegexp } from '@flowtel/regexp';
import { parseField } from './entry.ts';
import { compileExpr, exprOf } from './expr.ts';
import { EPOCH_LAYOUTS, loadZone, strptimeToGo } from './timeparse.ts';

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** stanza's ByteSize: a number, or "16KiB", "1kb" (1000), "1MiB". */
export const byteSize = () =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return Math.trunc(v);
    const m = /^([0-9]+\.?[0-9]*)\s*([kKmMgGtT]i?[bB])?$/.exec(v.trim());
    const mult = m ? BYTE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
    if (!m || mult === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid byte size '${v}' (e.g. 1024, 16KiB, 1kb, 1MiB)` });
      return z.NEVER;
    }
    return Math.trunc(Number(m[1]) * mult);
  });

/** A string that `check` accepts (throws otherwise, with the message to report). */
const checked = (check: (v: string) => unknown, prefix = '') =>
  z.string().superRefine((v, ctx) => {
    try {
      check(v);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: prefix + (err as Error).message });
    }
  });

/** A field in stanza's syntax, checked when the config is read. */
export const field = () => checked(parseField);
export const expression = () => checked(compileExpr);
export const regex = () => checked(compileRegexp);
const location = () => checked(loadZone, "invalid 'location': ");
/** A value as written in YAML: integers become int64 (bigint), as mapstructure gives Go ints. */
export type ConfigValue = unknown;

export const timeSchema = z
  .object({
    parse_from: field().optional(),
    layout: z.string().optional(),
    layout_type: z.enum(['strptime', 'gotime', 'epoch']).default('strptime'),
    location: location().optional(),
    time_zone_locations: z.record(location()).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.parse_from) ctx.addIssue({ code: 'custom', message: "missing required parameter 'parse_from'" });
    if (!t.layout) {
      ctx.addIssue({ code: 'custom', message: 'missing required configuration parameter `layout`' });
      return;
    }
    if (t.layout_type === 'epoch' && !(EPOCH_LAYOUTS as readonly string[]).includes(t.layout))
      ctx.addIssue({
        code: 'custom',
        path: ['layout'],
        message: "invalid `layout` for `epoch` type: specify 's', 'ms', 'us', 'ns', 's.ms', 's.us', or 's.ns'",
      });
    if (t.layout_type === 'strptime')
      try {
        strptimeToGo(t.layout);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['layout'], message: `parse strptime layout: ${(err as Error).message}` });
      }
  });
export type TimeConfig = z.infer<typeof timeSchema>;

const severityMappingValue = z.union([
  z.string(),
  z.number().int(),
  z.object({ min: z.number().int(), max: z.number().int() }).strict(),
]);
export const severitySchema = z
  .object({
    parse_from: field().optional(),
    preset: z.enum(['default', 'none', 'otel', 'aliases']).default('default'),
    mapping: z.record(z.union([severityMappingValue, z.array(severityMappingValue)])).default({}),
    overwrite_text: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.parse_from) ctx.addIssue({ code: 'custom', message: "missing required field 'parse_from'" });
  });
export type SeverityConfig = z.infer<typeof severitySchema>;

const traceFieldSchema = (def: string) =>
  z
    .object({ parse_from: field().default(def) })
    .strict()
    .default({});
export const traceSchema = z
  .object({
    trace_id: traceFieldSchema('attributes.trace_id'),
    span_id: traceFieldSchema('attributes.span_id'),
    trace_flags: traceFieldSchema('attributes.trace_flags'),
  })
  .strict();
export type TraceConfig = z.infer<typeof traceSchema>;

export const scopeNameSchema = z.object({ parse_from: field() }).strict();

const onError = z.enum(['send', 'send_quiet', 'drop', 'drop_quiet']).default('send');
const output = z.union([z.string(), z.array(z.string())]).optional();

/** what every operator takes */
const base = {
  id: z.string().optional(),
  output,
};
/** transformers: + on_error and if */
const transformer = { ...base, on_error: onError, if: expression().optional() };
/** parsers: + where from, where to, and the embedded timestamp/severity/trace/scope_name/body */
const parser = {
  ...transformer,
  parse_from: field().default('body'),
  parse_to: field().default('attributes'),
  body: field().optional(),
  timestamp: timeSchema.optional(),
  severity: severitySchema.optional(),
  trace: traceSchema.optional(),
  scope_name: scopeNameSchema.optional(),
  preserve_to: notInFlowtel('preserve_to was removed from stanza: copy the field with a copy operator first'),
};

const exprValue = z.unknown().superRefine((v, ctx) => {
  try {
    exprOf(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const recombineShape = {
  ...base,
  combine_field: field().optional(),
  is_first_entry: expression().optional(),
  is_last_entry: expression().optional(),
  combine_with: z.string().default('\n'),
  max_batch_size: z.number().int().nonnegative().default(1000),
  max_log_size: byteSize().default(0),
  max_unmatched_batch_size: z.number().int().nonnegative().default(100),
  source_identifier: field().default('attributes["log.file.path"]'),
  force_flush_period: duration().default('5s'),
  max_sources: z.number().int().positive().default(1000),
  overwrite_with: z.enum(['oldest', 'newest']).default('newest'),
  on_error: onError,
};

/** syslog_parser's own keys, shared with the syslog receiver, and the checks contrib's Build makes */
export const syslogShape = {
  protocol: z.string().transform((p) => p.toLowerCase()),
  location: location().default('UTC'),
  enable_octet_counting: z.boolean().default(false),
  allow_skip_pri_header: z.boolean().default(false),
  non_transparent_framing_trailer: z.string().optional(),
};
export function syslogChecks(
  c: { protocol: string; enable_octet_counting: boolean; non_transparent_framing_trailer?: string },
  ctx: z.RefinementCtx,
): void {
  const framing = c.enable_octet_counting || c.non_transparent_framing_trailer !== undefined;
  if (c.protocol !== 'rfc5424' && c.protocol !== 'rfc3164')
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: `unsupported protocol version: ${c.protocol}` });
  else if (c.protocol !== 'rfc5424' && framing)
    ctx.addIssue({
      code: 'custom',
      message: 'octet_counting and non_transparent_framing are only compatible with protocol rfc5424',
    });
  else if (c.enable_octet_counting && c.non_transparent_framing_trailer !== undefined)
    ctx.addIssue({ code: 'custom', message: 'only one of octet_counting or non_transparent_framing can be enabled' });
  else if (
    c.non_transparent_framing_trailer !== undefined &&
    !['LF', 'NUL'].includes(c.non_transparent_framing_trailer)
  )
    ctx.addIssue({
      code: 'custom',
      path: ['non_transparent_framing_trailer'],
      message: `invalid non_transparent_framing_trailer '${c.non_transparent_framing_trailer}'. Must be either 'LF' or 'NUL'`,
    });
}

export const operatorSchemas = {
  syslog_parser: z
    .object({
      ...parser,
      type: z.literal('syslog_parser'),
      ...syslogShape,
    })
    .strict()
    .superRefine(syslogChecks),
  json_parser: z.object({ ...parser, type: z.literal('json_parser'), parse_ints: z.boolean().default(false) }).strict(),
  uri_parser: z.object({ ...parser, type: z.literal('uri_parser') }).strict(),
  regex_parser: z
    .object({
      ...parser,
      type: z.literal('regex_parser'),
      regex: regex(),
      cache: notInFlowtel('cache is not in flowtel yet: every value is parsed'),
    })
    .strict(),
  key_value_parser: z
    .object({
      ...parser,
      type: z.literal('key_value_parser'),
      delimiter: z.string().min(1).default('='),
      pair_delimiter: z.string().min(1).optional(),
    })
    .strict()
    .refine((c) => c.delimiter !== c.pair_delimiter, {
      message: 'delimiter and pair_delimiter cannot be the same value',
    }),
  csv_parser: z
    .object({
      ...parser,
      type: z.literal('csv_parser'),
      header: z.string().optional(),
      header_attribute: z.string().optional(),
      header_delimiter: z.string().optional(),
      delimiter: z.string().length(1).default(','),
      lazy_quotes: z.boolean().default(false),
      ignore_quotes: z.boolean().default(false),
    })
    .strict()
    .superRefine((c, ctx) => {
      if (!c.header && !c.header_attribute)
        ctx.addIssue({ code: 'custom', message: 'missing header: set header or header_attribute' });
      if (c.header && c.header_attribute)
        ctx.addIssue({ code: 'custom', message: 'only one header parameter can be set: header or header_attribute' });
      if (c.lazy_quotes && c.ignore_quotes)
        ctx.addIssue({ code: 'custom', message: 'only one of lazy_quotes or ignore_quotes can be true' });
    }),
  severity_parser: z
    .object({
      ...transformer,
      type: z.literal('severity_parser'),
      parse_from: field().default('body'),
      preset: z.enum(['default', 'none', 'otel', 'aliases']).default('default'),
      mapping: z.record(z.union([severityMappingValue, z.array(severityMappingValue)])).default({}),
      overwrite_text: z.boolean().default(false),
    })
    .strict(),
  time_parser: z
    .object({
      ...transformer,
      type: z.literal('time_parser'),
      parse_from: field().default('body'),
      layout: z.string(),
      layout_type: z.enum(['strptime', 'gotime', 'epoch']).default('strptime'),
      location: location().optional(),
      time_zone_locations: z.record(location()).optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
      const r = timeSchema.safeParse({ parse_from: c.parse_from, layout: c.layout, layout_type: c.layout_type });
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ ...i, code: 'custom', message: i.message });
    }),
  trace_parser: z
    .object({
      ...transformer,
      type: z.literal('trace_parser'),
      trace_id: traceFieldSchema('attributes.trace_id'),
      span_id: traceFieldSchema('attributes.span_id'),
      trace_flags: traceFieldSchema('attributes.trace_flags'),
    })
    .strict(),
  scope_name_parser: z.object({ ...transformer, type: z.literal('scope_name_parser'), parse_from: field() }).strict(),
  unquote: z.object({ ...transformer, type: z.literal('unquote'), field: field().default('body') }).strict(),
  add: z.object({ ...transformer, type: z.literal('add'), field: field(), value: exprValue }).strict(),
  copy: z.object({ ...transformer, type: z.literal('copy'), from: field(), to: field() }).strict(),
  move: z.object({ ...transformer, type: z.literal('move'), from: field(), to: field() }).strict(),
  remove: z.object({ ...transformer, type: z.literal('remove'), field: field() }).strict(),
  retain: z.object({ ...transformer, type: z.literal('retain'), fields: z.array(field()).min(1) }).strict(),
  flatten: z
    .object({ ...transformer, type: z.literal('flatten'), field: field() })
    .strict()
    .refine((c) => c.field.trim().startsWith('body'), { message: 'flatten: field must be a body field' }),
  regex_replace: z
    .object({
      ...transformer,
      type: z.literal('regex_replace'),
      field: field(),
      regex: regex().optional(),
      regex_name: z
        .string()
        .refine(
          (n) => n === 'ansi_control_sequences',
          (n) => ({ message: `regex_name ${n} is unknown` }),
        )
        .optional(),
      replace_with: z.string().default(''),
    })
    .strict()
    .refine((c) => !c.regex !== !c.regex_name, { message: 'either regex or regex_name must be set' }),
  assign_keys: z
    .object({
      ...transformer,
      type: z.literal('assign_keys'),
      field: field(),
      keys: z.array(z.string()).min(1, 'assign_keys missing required field keys'),
    })
    .strict(),
  noop: z.object({ ...base, type: z.literal('noop') }).strict(),
  router: z
    .object({
      ...base,
      type: z.literal('router'),
      routes: z
        .array(
          z
            .object({
              expr: expression(),
              output: z.union([z.string(), z.array(z.string())]),
              attributes: z.record(exprValue).default({}),
            })
            .strict(),
        )
        .default([]),
      default: z.union([z.string(), z.array(z.string())]).optional(),
    })
    .strict(),
  filter: z
    .object({
      ...base,
      type: z.literal('filter'),
      expr: expression(),
      drop_ratio: z.number().min(0).max(1).default(1),
    })
    .strict(),
  recombine: z
    .object({ ...recombineShape, type: z.literal('recombine') })
    .strict()
    .superRefine((c, ctx) => {
      if (!c.combine_field) ctx.addIssue({ code: 'custom', message: 'missing required argument: combine_field' });
      if (!!c.is_first_entry === !!c.is_last_entry)
        ctx.addIssue({ code: 'custom', message: 'exactly one of is_first_entry and is_last_entry must be set' });
    }),
  container: z
    .object({
      ...transformer,
      type: z.literal('container'),
      format: z.enum(['', 'docker', 'crio', 'containerd']).default(''),
      add_metadata_from_filepath: z.boolean().default(true),
      max_log_size: byteSize().default(1024 * 1024),
      parse_from: field().default('body'),
      parse_to: field().default('attributes'),
      severity: severitySchema.optional(),
    })
    .strict(),
};

export type OperatorType = keyof typeof operatorSchemas;
export type OperatorConfig = { [K in OperatorType]: z.infer<(typeof operatorSchemas)[K]> }[OperatorType];

/** contrib operators flowtel does not have yet, refused by name rather than as unknown */
const NOT_YET: Record<string, string> = {
  key_value_parser_v2: 'unknown operator type key_value_parser_v2',
  stdout: 'the stdout operator is for stanza itself, not a receiver: use the debug exporter',
  file_output: 'the file_output operator is not in flowtel: use the file exporter',
};

const operatorSchema = z.record(z.unknown()).transform((raw, ctx): OperatorConfig => {
  const type = raw.type;
  if (typeof type !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'missing required field: type' });
    return z.NEVER;
  }
  const schema = operatorSchemas[type as OperatorType];
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: NOT_YET[type] ?? `unsupported type '${type}' (valid: ${Object.keys(operatorSchemas).join(', ')})`,
    });
    return z.NEVER;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
    return z.NEVER;
  }
  return r.data as OperatorConfig;
});

export const outputsOf = (o: string | string[] | undefined): string[] =>
  o === undefined ? [] : Array.isArray(o) ? o : [o];

/**
 * `operators:` as a list. An operator without an id whose type is already an id gets
 * `<type>1`, `<type>2`, ... as stanza's pipeline config dedupes them (the helm chart's several
 * `move`s without ids); ids given twice, and outputs that are no operator's id, are refused.
 */
export const operatorsSchema = z
  .array(operatorSchema)
  .default([])
  .superRefine((ops, ctx) => {
    const explicit = new Set<string>();
    ops.forEach((op, i) => {
      if (op.id === undefined) return;
      if (explicit.has(op.id))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `duplicate operator id '${op.id}': give each operator its own id`,
        });
      explicit.add(op.id);
    });
  })
  .transform((ops) => {
    const taken = new Set(ops.flatMap((op) => (op.id === undefined ? [] : [op.id])));
    return ops.map((op) => {
      if (op.id !== undefined) return op;
      let id = op.type as string;
      for (let n = 1; taken.has(id); n++) id = `${op.type}${n}`;
      taken.add(id);
      return { ...op, id };
    });
  })
  .superRefine((ops, ctx) => {
    const ids = new Set(ops.map((op) => op.id!));
    ops.forEach((op, i) => {
      const outs = [...outputsOf(op.output)];
      if (op.type === 'router') {
        for (const r of op.routes) outs.push(...outputsOf(r.output));
        outs.push(...outputsOf(op.default));
      }
      for (const o of outs)
        if (!ids.has(o))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'output'],
            message: `operator '${o}' does not exist in this pipeline`,
          });
    });
  });
