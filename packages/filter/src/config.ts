// The include/exclude keys of contrib's internal/filter/filterconfig (MatchConfig,
// MatchProperties) that the attributes and span processors (and the filter processor's legacy
// form) share. What can be checked without knowing the signal is checked here, so `flowtel
// validate` names the file and line: the match type, every regexp, the span kinds. The
// per-signal rules (no log_bodies for spans, ...) are contrib's and run when the processor is
// created for a pipeline (matcher.ts).
import { z } from '@flowtel/core';
import { compileRegexp, RegexpError } from '@flowtel/regexp';

/** plog's severity numbers by name, as contrib's config accepts them besides the number. */
const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((name) => [
  name,
  `${name}2`,
  `${name}3`,
  `${name}4`,
]);

const severityNumber = z.union([z.number().int().min(0).max(24), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const i = SEVERITIES.indexOf(v.toUpperCase());
  if (i < 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `'${v}' is not a severity (valid: a number 1-24, or TRACE, DEBUG, INFO, WARN, ERROR, FATAL with an optional 2-4 suffix)`,
    });
    return z.NEVER;
  }
  return i + 1;
});

/** The lists of names matched against an item's own fields (besides metric_names). */
export const NAME_LISTS = ['services', 'span_names', 'span_kinds', 'log_bodies', 'log_severity_texts'] as const;

/** A YAML value as the attribute value it stands for: any scalar, list or map. */
export type RawValue = string | number | boolean | bigint | RawValue[] | { [key: string]: RawValue } | null;
export const rawValue: z.ZodType<RawValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.bigint(), z.null(), z.array(rawValue), z.record(rawValue)]),
);

export const attributeMatchSchema = z
  .object({
    key: z.string(),
    /** omitted: the key's presence is enough */
    value: rawValue.optional(),
  })
  .strict();

export const matchPropertiesSchema = z
  .object({
    match_type: z.string().optional(),
    regexp: z
      .object({
        cacheenabled: z.boolean().default(false),
        cachemaxnumentries: z.number().int().nonnegative().default(0),
      })
      .strict()
      .optional(),
    services: z.array(z.string()).optional(),
    span_names: z.array(z.string()).optional(),
    span_kinds: z.array(z.string()).optional(),
    log_bodies: z.array(z.string()).optional(),
    log_severity_texts: z.array(z.string()).optional(),
    log_severity_number: z
      .object({ min: severityNumber.default(0), match_undefined: z.boolean().default(false) })
      .strict()
      .optional(),
    metric_names: z.array(z.string()).optional(),
    attributes: z.array(attributeMatchSchema).optional(),
    resources: z.array(attributeMatchSchema).optional(),
    libraries: z.array(z.object({ name: z.string(), version: z.string().optional() }).strict()).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const fail = (message: string, path: (string | number)[]) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    // contrib checks the match type when it builds a string filter; properties that build none
    // (only log_severity_number, or attribute keys without values) need none
    const needsMatchType =
      [p.services, p.span_names, p.span_kinds, p.log_bodies, p.log_severity_texts, p.metric_names, p.libraries].some(
        (l) => l && l.length > 0,
      ) || [...(p.attributes ?? []), ...(p.resources ?? [])].some((a) => a.value != null);
    if (p.match_type !== undefined || needsMatchType) {
      if (p.match_type !== 'strict' && p.match_type !== 'regexp') {
        return fail(`unrecognized match_type: '${p.match_type ?? ''}', valid types are: [regexp strict]`, [
          'match_type',
        ]);
      }
    }
    for (const key of ['attributes', 'resources'] as const) {
      p[key]?.forEach((a, i) => {
        if (a.key === '') fail("can't have empty key in the list of attributes", [key, i, 'key']);
        if (p.match_type === 'regexp' && a.value != null && typeof a.value !== 'string') {
          fail(`match_type=regexp for "${a.key}" only supports Str, but found ${goType(a.value)}`, [key, i, 'value']);
        }
      });
    }
    if (p.match_type !== 'regexp') return;
    const check = (pattern: string, path: (string | number)[]) => {
      try {
        compileRegexp(pattern);
      } catch (err) {
        if (err instanceof RegexpError) fail(err.message, path);
        else throw err;
      }
    };
    for (const key of [...NAME_LISTS, 'metric_names'] as const) {
      p[key]?.forEach((pattern, i) => check(pattern, [key, i]));
    }
    for (const key of ['attributes', 'resources'] as const) {
      p[key]?.forEach((a, i) => typeof a.value === 'string' && check(a.value, [key, i, 'value']));
    }
    p.libraries?.forEach((l, i) => {
      check(l.name, ['libraries', i, 'name']);
      if (l.version !== undefined) check(l.version, ['libraries', i, 'version']);
    });
  });

/** pcommon's type names, for contrib's messages. */
function goType(v: RawValue): string {
  if (Array.isArray(v)) return 'Slice';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'Int' : 'Double';
    case 'bigint':
      return 'Int';
    case 'boolean':
      return 'Bool';
    case 'object':
      return v === null ? 'Empty' : 'Map';
    default:
      return 'Str';
  }
}

export type MatchProperties = z.output<typeof matchPropertiesSchema>;

/** `include` and `exclude`, as contrib's MatchConfig squashes them into a processor's config. */
export const matchConfigShape = {
  include: matchPropertiesSchema.optional(),
  exclude: matchPropertiesSchema.optional(),
};

export interface MatchConfig {
  include?: MatchProperties;
  exclude?: MatchProperties;
}
