// contrib's cumulativetodeltaprocessor Config and its Validate messages.
import { duration, z } from '@flowtel/core';
import { compileRegexp, RegexpError } from '@flowtel/regexp';

export const METRIC_TYPES = ['exponentialhistogram', 'histogram', 'sum'] as const;

const matchMetrics = z
  .object({
    match_type: z.string().default(''),
    regexp: z
      .object({
        cacheenabled: z.boolean().default(false),
        cachemaxnumentries: z.number().int().nonnegative().default(0),
      })
      .strict()
      .optional(),
    /** metric names, or RE2 patterns (a match anywhere) with match_type regexp */
    metrics: z.array(z.string()).default([]),
    metric_types: z.array(z.string()).default([]),
  })
  .strict()
  .default({});

export const cumulativeToDeltaConfigSchema = z
  .object({
    /** how long a series' state lives past its last point; 0 keeps it forever */
    max_staleness: duration().default(0),
    initial_value: z.string().default('auto'),
    include: matchMetrics,
    exclude: matchMetrics,
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, path: (string | number)[]) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    if (!['auto', 'keep', 'drop'].includes(c.initial_value)) {
      return fail(`unknown initial_value: ${c.initial_value}`, ['initial_value']);
    }
    for (const side of ['include', 'exclude'] as const) {
      const m = c[side];
      if (m.metrics.length > 0 && m.match_type === '') {
        return fail('match_type must be set if metrics are supplied', [side, 'match_type']);
      }
      if (m.match_type !== '' && m.metrics.length === 0) {
        return fail('metrics must be supplied if match_type is set', [side, 'metrics']);
      }
      if (m.match_type !== '' && m.match_type !== 'strict' && m.match_type !== 'regexp') {
        return fail(`unrecognized match_type: '${m.match_type}', valid types are: [regexp strict]`, [
          side,
          'match_type',
        ]);
      }
      for (const [i, t] of m.metric_types.entries()) {
        if (!(METRIC_TYPES as readonly string[]).includes(t)) {
          return fail(
            `found invalid metric type in ${side}.metric_types: ${t}. Valid values are [${METRIC_TYPES.join(' ')}]`,
            [side, 'metric_types', i],
          );
        }
        if (t === 'exponentialhistogram') {
          return fail(
            'exponential histograms are not converted in flowtel yet (they pass unchanged): remove exponentialhistogram from metric_types',
            [side, 'metric_types', i],
          );
        }
      }
      if (m.match_type === 'regexp') {
        for (const [i, pattern] of m.metrics.entries()) {
          try {
            compileRegexp(pattern);
          } catch (err) {
            if (!(err instanceof RegexpError)) throw err;
            fail(err.message, [side, 'metrics', i]);
          }
        }
      }
    }
  });

export type CumulativeToDeltaConfig = z.output<typeof cumulativeToDeltaConfigSchema>;
