import { z } from '@flowtel/core';
import {
  type ContextName,
  OttlError,
  compileConditions,
  compileStatements,
  inferContext,
  transformFunctions,
} from '@flowtel/ottl';

export const ERROR_MODES = ['ignore', 'silent', 'propagate'] as const;
export type ErrorMode = (typeof ERROR_MODES)[number];

/** the contexts each signal's statements may use (the transform README's table) */
export const SIGNAL_CONTEXTS = {
  trace_statements: ['resource', 'scope', 'span', 'spanevent'],
  metric_statements: ['resource', 'scope', 'metric', 'datapoint'],
  log_statements: ['resource', 'scope', 'log'],
} as const satisfies Record<string, ContextName[]>;
export type StatementsKey = keyof typeof SIGNAL_CONTEXTS;

const group = z
  .object({
    /** absent: inferred from the paths' context names */
    context: z.string().optional(),
    /** absent: the processor's error_mode */
    error_mode: z.enum(ERROR_MODES).optional(),
    /** ORed: the statements run on an item when any holds */
    conditions: z.array(z.string()).default([]),
    statements: z.array(z.string()),
  })
  .strict();

const statements = z.array(z.union([z.string(), group])).default([]);

/** One group as the processor runs it. */
export interface StatementGroup {
  context: ContextName;
  errorMode: ErrorMode;
  conditions: string[];
  statements: string[];
  /** where each text sits in the config, for errors: [index] or [index, 'statements', j] */
  paths: (string | number)[][];
  conditionPaths: (string | number)[][];
}

export const transformConfigSchema = z
  .object({
    error_mode: z.enum(ERROR_MODES).default('ignore'),
    trace_statements: statements,
    metric_statements: statements,
    log_statements: statements,
    /** profiles are behind otelcol's gate and flowtel has no profile context yet */
    profile_statements: z
      .array(z.unknown())
      .max(0, 'profile_statements are not yet implemented in flowtel (no OTTL profile context)')
      .default([]),
    /** otelcol's transform.flatten.logs gate: not built */
    flatten_data: z
      .literal(false, { errorMap: () => ({ message: 'flatten_data is not yet implemented in flowtel' }) })
      .default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of Object.keys(SIGNAL_CONTEXTS) as StatementsKey[]) {
      try {
        groupsOf(c, key);
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message, path: [key, ...err.path] });
      }
    }
  });

export type TransformConfig = z.output<typeof transformConfigSchema>;

export class GroupError extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[],
  ) {
    super(message);
  }
}

/**
 * The groups of a signal's statements, checked: consecutive strings of the flat form are one
 * group whose context is inferred, as otelcol reads a flat list; an object is a group. Every
 * statement and condition is compiled here so that a bad one is a config error naming it.
 */
export function groupsOf(c: TransformConfig, key: StatementsKey): StatementGroup[] {
  const allowed: readonly ContextName[] = SIGNAL_CONTEXTS[key];
  const out: StatementGroup[] = [];
  const entries = c[key];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (typeof e === 'string') {
      const start = i;
      const texts: string[] = [];
      while (i < entries.length && typeof entries[i] === 'string') texts.push(entries[i++] as string);
      i--;
      out.push(
        checked(
          allowed,
          undefined,
          c.error_mode,
          [],
          texts,
          [],
          texts.map((_, j) => [start + j]),
        ),
      );
    } else {
      if (e.context !== undefined && !allowed.includes(e.context as ContextName))
        throw new GroupError(`unknown context ${JSON.stringify(e.context)} (valid: ${allowed.join(', ')})`, [
          i,
          'context',
        ]);
      out.push(
        checked(
          allowed,
          e.context as ContextName | undefined,
          e.error_mode ?? c.error_mode,
          e.conditions,
          e.statements,
          e.conditions.map((_, j) => [i, 'conditions', j]),
          e.statements.map((_, j) => [i, 'statements', j]),
        ),
      );
    }
  }
  return out;
}

function checked(
  allowed: readonly ContextName[],
  context: ContextName | undefined,
  errorMode: ErrorMode,
  conditions: string[],
  statements: string[],
  conditionPaths: (string | number)[][],
  paths: (string | number)[][],
): StatementGroup {
  const functions = transformFunctions();
  const at = (list: (string | number)[][], err: OttlError) => new GroupError(err.message, list[err.index] ?? []);
  let ctx = context;
  if (!ctx) {
    try {
      ctx = inferContext(statements, conditions, allowed, { functions });
    } catch (err) {
      if (err instanceof OttlError) throw at([...conditionPaths, ...paths], err);
      throw err;
    }
  }
  try {
    compileConditions(ctx, conditions, { functions });
  } catch (err) {
    if (err instanceof OttlError) throw at(conditionPaths, err);
    throw err;
  }
  try {
    compileStatements(ctx, statements, { functions });
  } catch (err) {
    if (err instanceof OttlError) throw at(paths, err);
    throw err;
  }
  return { context: ctx, errorMode, conditions, statements, paths, conditionPaths };
}
