// contrib's spanprocessor Config. Its checks (made when contrib creates the processor; none
// depends on the pipeline) run when the config is validated, with its messages.
import { z } from '@flowtel/core';
import { matchConfigShape } from '@flowtel/filter';
import { compileRegexp, RegexpError } from '@flowtel/regexp';

export const STATUS_CODES = ['Unset', 'Ok', 'Error'] as const;

export const spanConfigSchema = z
  .object({
    ...matchConfigShape,
    name: z
      .object({
        /** the attribute values, in order, that make the new name; all must be present */
        from_attributes: z.array(z.string()).default([]),
        separator: z.string().default(''),
        to_attributes: z
          .object({
            rules: z.array(z.string()).default([]),
            break_after_match: z.boolean().default(false),
            keep_original_name: z.boolean().default(false),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    status: z
      .object({
        code: z.string().default(''),
        description: z.string().default(''),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, path: (string | number)[]) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    if (c.name.from_attributes.length === 0 && !c.name.to_attributes?.rules.length && !c.status) {
      return fail(
        'error creating "span" processor: either "from_attributes" or "to_attributes" must be specified in "name:" or "setStatus" must be specified',
        ['name'],
      );
    }
    if (c.status) {
      if (!(STATUS_CODES as readonly string[]).includes(c.status.code)) {
        fail('error creating "span" processor: "status" must have specified "code" as "Ok" or "Error" or "Unset"', [
          'status',
          'code',
        ]);
      } else if (c.status.description !== '' && c.status.code !== 'Error') {
        fail('error creating "span" processor: "description" can be specified only for "code" "Error"', [
          'status',
          'description',
        ]);
      }
    }
    c.name.to_attributes?.rules.forEach((rule, i) => {
      try {
        compileRegexp(rule);
      } catch (err) {
        if (!(err instanceof RegexpError)) throw err;
        fail(`invalid regexp pattern ${rule}`, ['name', 'to_attributes', 'rules', i]);
      }
    });
  });

export type SpanConfig = z.output<typeof spanConfigSchema>;
