// contrib's attraction.ActionKeyValue, checked as NewAttrProc checks it and with its messages.
// contrib runs those checks when the processor is created; none depends on the pipeline, so
// here they run when the config is validated and `flowtel validate` names the file and line.
import { z } from '@flowtel/core';
import { rawValue } from '@flowtel/filter';
import { compileRegexp, RegexpError } from '@flowtel/regexp';

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
export type ActionName = (typeof ACTIONS)[number];
export const CONVERTED_TYPES = ['int', 'double', 'string'] as const;

export const actionSchema = z
  .object({
    key: z.string().default(''),
    /** case-insensitive, as in contrib */
    action: z.string().default(''),
    value: rawValue.optional(),
    default_value: rawValue.optional(),
    pattern: z.string().default(''),
    from_attribute: z.string().default(''),
    from_context: z.string().default(''),
    converted_type: z.string().default(''),
  })
  .strict();

export type ActionConfig = z.output<typeof actionSchema>;

/**
 * Whether `value` is a value source. An empty string with a default_value is not: contrib's
 * example `value: "${DEPLOYMENT_ENV}"` with `default_value: "development"` means the default
 * when the variable is unset (it expands to '').
 */
export const valueGiven = (a: ActionConfig): boolean => a.value != null && !(a.value === '' && a.default_value != null);

/** contrib's NewAttrProc checks, in its order: the first problem of each action. */
export function actionProblem(a: ActionConfig, i: number): { message: string; key: keyof ActionConfig } | undefined {
  const action = a.action.toLowerCase();
  const problem = (message: string, key: keyof ActionConfig = 'action') => ({ message, key });
  if (action === 'delete' || action === 'hash') {
    if (a.key === '' && a.pattern === '') {
      return problem(
        `error creating AttrProc due to missing required field (at least one of "key" and "pattern" have to be used) at the ${i}-th actions`,
        'key',
      );
    }
  } else if (a.key === '') {
    return problem(`error creating AttrProc due to missing required field "key" at the ${i}-th actions`, 'key');
  }
  const sources = [valueGiven(a), a.from_attribute !== '', a.from_context !== ''].filter(Boolean).length;
  const badPattern = () => {
    try {
      compileRegexp(a.pattern);
      return undefined;
    } catch (err) {
      if (!(err instanceof RegexpError)) throw err;
      return problem(
        `error creating AttrProc. Field "pattern" has invalid pattern: "${a.pattern}" to be set at the ${i}-th actions`,
        'pattern',
      );
    }
  };
  const noConvertedType = () =>
    a.converted_type !== ''
      ? problem(
          `error creating AttrProc. Action "${action}" does not use the "converted_type" field. This must not be specified for ${i}-th action`,
          'converted_type',
        )
      : undefined;
  switch (action) {
    case 'insert':
    case 'update':
    case 'upsert':
      if (sources === 0 && a.default_value == null) {
        return problem(
          `error creating AttrProc. Either field "value", "from_attribute" or "from_context" setting must be specified for ${i}-th action`,
          'value',
        );
      }
      if (sources > 1) {
        return problem(
          `error creating AttrProc due to multiple value sources being set at the ${i}-th actions`,
          'value',
        );
      }
      if (a.pattern !== '') {
        return problem(
          `error creating AttrProc. Action "${action}" does not use the "pattern" field. This must not be specified for ${i}-th action`,
          'pattern',
        );
      }
      return noConvertedType();
    case 'hash':
    case 'delete':
      if (a.value != null || a.from_attribute !== '') {
        return problem(
          `error creating AttrProc. Action "${action}" does not use "value" or "from_attribute" field. These must not be specified for ${i}-th action`,
          a.value != null ? 'value' : 'from_attribute',
        );
      }
      return (a.pattern !== '' ? badPattern() : undefined) ?? noConvertedType();
    case 'extract': {
      if (sources > 0) {
        return problem(
          `error creating AttrProc. Action "${action}" does not use a value source field. These must not be specified for ${i}-th action`,
          'value',
        );
      }
      if (a.pattern === '') {
        return problem(
          `error creating AttrProc due to missing required field "pattern" for action "${action}" at the ${i}-th action`,
          'pattern',
        );
      }
      const fromNoConverted = noConvertedType();
      if (fromNoConverted) return fromNoConverted;
      const bad = badPattern();
      if (bad) return bad;
      const names = compileRegexp(a.pattern).groupNames;
      if (names.length <= 1) {
        return problem(
          `error creating AttrProc. Field "pattern" contains no named matcher groups at the ${i}-th actions`,
          'pattern',
        );
      }
      if (names.slice(1).includes('')) {
        return problem(
          `error creating AttrProc. Field "pattern" contains at least one unnamed matcher group at the ${i}-th actions`,
          'pattern',
        );
      }
      return undefined;
    }
    case 'convert':
      if (sources > 0 || a.pattern !== '') {
        return problem(
          `error creating AttrProc. Action "${action}" does not use value sources or "pattern" field. These must not be specified for ${i}-th action`,
          a.pattern !== '' ? 'pattern' : 'value',
        );
      }
      if (a.converted_type === '') {
        return problem(
          `error creating AttrProc due to missing required field "converted_type" for action "${action}" at the ${i}-th action`,
          'converted_type',
        );
      }
      if (!(CONVERTED_TYPES as readonly string[]).includes(a.converted_type)) {
        return problem(
          `error creating AttrProc due to invalid value "${a.converted_type}" in field "converted_type" for action "${action}" at the ${i}-th action`,
          'converted_type',
        );
      }
      return undefined;
    default:
      return problem(`error creating AttrProc due to unsupported action "${a.action}" at the ${i}-th actions`);
  }
}

/** A list of actions, each checked; `name` is the key contrib requires non-empty. */
export const actionsSchema = (name: string) =>
  z.array(actionSchema).superRefine((actions, ctx) => {
    if (actions.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `missing required field "${name}"` });
    }
    actions.forEach((a, i) => {
      const p = actionProblem(a, i);
      if (p) ctx.addIssue({ code: z.ZodIssueCode.custom, message: p.message, path: [i, p.key] });
    });
  });
