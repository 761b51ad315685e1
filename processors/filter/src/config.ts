import { z } from '@flowtel/core';
import { type MatchConfig, type MatchProperties, matchConfigShape, matchPropertiesSchema } from '@flowtel/filter';
import { type ContextName, OttlError, compileConditions, inferContext } from '@flowtel/ottl';

export const ERROR_MODES = ['ignore', 'silent', 'propagate'] as const;
export type ErrorMode = (typeof ERROR_MODES)[number];

const conditions = z.array(z.string()).optional();
const regexpConfig = z
  .object({ cacheenabled: z.boolean().default(false), cachemaxnumentries: z.number().int().nonnegative().default(0) })
  .strict();

/** filterconfig.MetricMatchProperties: the legacy metrics include/exclude */
const metricMatch = z
  .object({
    match_type: z.string(),
    regexp: regexpConfig.optional(),
    metric_names: z.array(z.string()).optional(),
    /** `expr` expressions: not built */
    expressions: z
      .array(z.string())
      .max(0, 'match_type expr (expressions) is not yet implemented in flowtel')
      .optional(),
    resource_attributes: z.array(z.object({ key: z.string(), value: z.unknown().optional() }).strict()).optional(),
  })
  .strict();

/** the filter processor's LogMatchProperties, with its own key names */
const logMatch = z
  .object({
    match_type: z.string().optional(),
    resource_attributes: z.array(z.object({ key: z.string(), value: z.unknown().optional() }).strict()).optional(),
    record_attributes: z.array(z.object({ key: z.string(), value: z.unknown().optional() }).strict()).optional(),
    severity_texts: z.array(z.string()).optional(),
    severity_number: z
      .object({ min: z.union([z.string(), z.number()]), match_undefined: z.boolean().default(false) })
      .strict()
      .optional(),
    bodies: z.array(z.string()).optional(),
  })
  .strict();

const contextConditions = z.union([
  z.string(),
  z
    .object({
      context: z.string().optional(),
      error_mode: z.enum(ERROR_MODES).optional(),
      conditions: z.array(z.string()),
    })
    .strict(),
]);

const notYet = (what: string) => z.array(z.unknown()).max(0, `${what} is not yet implemented in flowtel`).optional();

export const filterConfigSchema = z
  .object({
    error_mode: z.enum(ERROR_MODES).default('ignore'),
    /** legacy include/exclude for spans (filterconfig.MatchConfig) */
    spans: z.object(matchConfigShape).strict().optional(),
    traces: z.object({ resource: conditions, span: conditions, spanevent: conditions }).strict().default({}),
    metrics: z
      .object({
        include: metricMatch.optional(),
        exclude: metricMatch.optional(),
        regexp: regexpConfig.optional(),
        resource: conditions,
        metric: conditions,
        datapoint: conditions,
      })
      .strict()
      .default({}),
    logs: z
      .object({
        include: logMatch.optional(),
        exclude: logMatch.optional(),
        resource: conditions,
        log_record: conditions,
      })
      .strict()
      .default({}),
    profiles: z
      .object({ resource: notYet('profile filtering'), profile: notYet('profile filtering') })
      .strict()
      .optional(),
    trace_conditions: z.array(contextConditions).optional(),
    metric_conditions: z.array(contextConditions).optional(),
    log_conditions: z.array(contextConditions).optional(),
    profile_conditions: notYet('profile_conditions'),
  })
  .strict()
  .superRefine((c, ctx) => {
    try {
      plan(c, 'traces');
      plan(c, 'metrics');
      plan(c, 'logs');
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message, path: err.path });
    }
  });

export type FilterConfig = z.output<typeof filterConfigSchema>;

class PlanError extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[],
  ) {
    super(message);
  }
}

/** One step of a signal's filtering: items of `context` that the predicate's conditions match are dropped. */
export type Step =
  | { kind: 'ottl'; context: ContextName; errorMode: ErrorMode; conditions: string[] }
  | { kind: 'spans'; match: MatchConfig }
  | { kind: 'logs'; match: MatchConfig }
  | { kind: 'metrics'; match: MatchConfig; resources: MatchConfig };

const SIGNAL_CONTEXTS = {
  traces: ['resource', 'scope', 'span', 'spanevent'],
  metrics: ['resource', 'scope', 'metric', 'datapoint'],
  logs: ['resource', 'scope', 'log'],
} as const satisfies Record<string, ContextName[]>;
type Signal = keyof typeof SIGNAL_CONTEXTS;

function compiled(
  context: ContextName,
  list: string[],
  path: (string | number)[],
  index: (i: number) => (string | number)[],
) {
  try {
    compileConditions(context, list);
  } catch (err) {
    if (err instanceof OttlError) throw new PlanError(err.message, [...path, ...index(err.index)]);
    throw err;
  }
}

/** The legacy log keys in @flowtel/filter's terms, checked by its schema. */
function logProperties(p: z.output<typeof logMatch>, path: (string | number)[]): MatchProperties {
  const r = matchPropertiesSchema.safeParse({
    match_type: p.match_type,
    resources: p.resource_attributes,
    attributes: p.record_attributes,
    log_severity_texts: p.severity_texts,
    log_severity_number: p.severity_number,
    log_bodies: p.bodies,
  });
  if (!r.success) throw new PlanError(r.error.issues[0].message, path);
  return r.data;
}

function metricProperties(
  p: z.output<typeof metricMatch>,
  regexp: z.output<typeof regexpConfig> | undefined,
  path: (string | number)[],
): { names: MatchProperties; resources: MatchProperties } {
  if (p.match_type === 'expr')
    throw new PlanError('match_type expr is not yet implemented in flowtel', [...path, 'match_type']);
  const parse = (x: Record<string, unknown>) => {
    const r = matchPropertiesSchema.safeParse(x);
    if (!r.success) throw new PlanError(r.error.issues[0].message, path);
    return r.data;
  };
  return {
    names: parse({ match_type: p.match_type, regexp: p.regexp ?? regexp, metric_names: p.metric_names }),
    resources: parse({ match_type: p.match_type, regexp: p.regexp ?? regexp, resources: p.resource_attributes }),
  };
}

/**
 * What a signal's filtering does, in contrib's order: the context-inferred `*_conditions`
 * groups; otherwise the per-context OTTL conditions (resource, then the inner contexts);
 * otherwise the legacy include/exclude. Mixing the forms is refused as contrib refuses it.
 * Every condition compiles here, so a bad one is a config error at its key.
 */
export function plan(c: FilterConfig, signal: Signal): Step[] {
  const allowed: readonly ContextName[] = SIGNAL_CONTEXTS[signal];
  const inferredKey =
    signal === 'traces' ? 'trace_conditions' : signal === 'metrics' ? 'metric_conditions' : 'log_conditions';
  const inferred = c[inferredKey];
  const perContext =
    signal === 'traces'
      ? ([
          ['resource', c.traces.resource, 'traces', 'resource'],
          ['span', c.traces.span, 'traces', 'span'],
          ['spanevent', c.traces.spanevent, 'traces', 'spanevent'],
        ] as const)
      : signal === 'metrics'
        ? ([
            ['resource', c.metrics.resource, 'metrics', 'resource'],
            ['metric', c.metrics.metric, 'metrics', 'metric'],
            ['datapoint', c.metrics.datapoint, 'metrics', 'datapoint'],
          ] as const)
        : ([
            ['resource', c.logs.resource, 'logs', 'resource'],
            ['log', c.logs.log_record, 'logs', 'log_record'],
          ] as const);
  const legacy =
    signal === 'traces'
      ? c.spans && (c.spans.include || c.spans.exclude)
      : signal === 'metrics'
        ? c.metrics.include || c.metrics.exclude
        : c.logs.include || c.logs.exclude;
  const hasPerContext = perContext.some(([, list]) => list !== undefined);
  if (inferred && (hasPerContext || legacy))
    throw new PlanError(
      `cannot use context inferred ${inferredKey} and the settings of ${signal === 'traces' ? 'traces/spans' : signal} at the same time`,
      [inferredKey],
    );
  if (hasPerContext && legacy)
    throw new PlanError(
      `cannot use ottl conditions and include/exclude for ${signal === 'traces' ? 'spans' : signal} at the same time`,
      [signal === 'traces' ? 'spans' : signal],
    );

  const steps: Step[] = [];
  if (inferred) {
    for (let i = 0; i < inferred.length; i++) {
      const e = inferred[i];
      if (typeof e === 'string') {
        // consecutive strings are one group, its context inferred
        const start = i;
        const list: string[] = [];
        while (i < inferred.length && typeof inferred[i] === 'string') list.push(inferred[i++] as string);
        i--;
        let context: ContextName;
        try {
          context = inferContext([], list, allowed);
        } catch (err) {
          if (err instanceof OttlError) throw new PlanError(err.message, [inferredKey, start + err.index]);
          throw err;
        }
        compiled(context, list, [inferredKey], (j) => [start + j]);
        steps.push({ kind: 'ottl', context, errorMode: c.error_mode, conditions: list });
      } else {
        if (e.context !== undefined && !allowed.includes(e.context as ContextName))
          throw new PlanError(`unknown context ${JSON.stringify(e.context)} (valid: ${allowed.join(', ')})`, [
            inferredKey,
            i,
            'context',
          ]);
        let context = e.context as ContextName | undefined;
        if (!context) {
          try {
            context = inferContext([], e.conditions, allowed);
          } catch (err) {
            if (err instanceof OttlError) throw new PlanError(err.message, [inferredKey, i, 'conditions', err.index]);
            throw err;
          }
        }
        compiled(context, e.conditions, [inferredKey, i, 'conditions'], (j) => [j]);
        steps.push({ kind: 'ottl', context, errorMode: e.error_mode ?? c.error_mode, conditions: e.conditions });
      }
    }
    return steps;
  }
  if (hasPerContext) {
    for (const [context, list, section, key] of perContext) {
      if (!list || !list.length) continue;
      compiled(context, list, [section, key], (j) => [j]);
      steps.push({ kind: 'ottl', context, errorMode: c.error_mode, conditions: list });
    }
    return steps;
  }
  if (signal === 'traces' && c.spans && legacy) steps.push({ kind: 'spans', match: c.spans });
  if (signal === 'logs' && legacy) {
    const match: MatchConfig = {};
    for (const side of ['include', 'exclude'] as const) {
      const p = c.logs[side];
      if (p) match[side] = logProperties(p, ['logs', side]);
    }
    steps.push({ kind: 'logs', match });
  }
  if (signal === 'metrics' && legacy) {
    const match: MatchConfig = {};
    const resources: MatchConfig = {};
    for (const side of ['include', 'exclude'] as const) {
      const p = c.metrics[side];
      if (!p) continue;
      const m = metricProperties(p, c.metrics.regexp, ['metrics', side]);
      match[side] = m.names;
      resources[side] = m.resources;
    }
    steps.push({ kind: 'metrics', match, resources });
  }
  return steps;
}
