import { duration, z } from '@flowtel/core';

const mib = () => z.number().int().nonnegative().max(0xffffffff);
const percent = () => z.number().int().nonnegative();

// The checks and their messages are otelcol's, in its order.
export const memoryLimiterConfigSchema = z
  .object({
    /** how often memory is measured; required */
    check_interval: duration().default(0),
    limit_mib: mib().default(0),
    /** 0: 20% of the limit */
    spike_limit_mib: mib().default(0),
    /** of the cgroup's memory limit, or of the machine's memory without one */
    limit_percentage: percent().default(0),
    spike_limit_percentage: percent().default(0),
    min_gc_interval_when_soft_limited: duration().default('10s'),
    min_gc_interval_when_hard_limited: duration().default(0),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, key: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, path: [key] });
    if (c.check_interval <= 0) return fail("'check_interval' must be greater than zero", 'check_interval');
    if (c.min_gc_interval_when_soft_limited < c.min_gc_interval_when_hard_limited) {
      return fail(
        "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
        'min_gc_interval_when_soft_limited',
      );
    }
    if (c.limit_mib === 0 && c.limit_percentage === 0) {
      return fail("'limit_mib' or 'limit_percentage' must be greater than zero", 'limit_mib');
    }
    if (c.limit_percentage > 100 || c.spike_limit_percentage > 100) {
      return fail(
        "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred",
        'limit_percentage',
      );
    }
    if (c.limit_mib > 0 && c.limit_mib <= c.spike_limit_mib) {
      return fail("'spike_limit_mib' must be smaller than 'limit_mib'", 'spike_limit_mib');
    }
    if (c.limit_percentage > 0 && c.limit_percentage <= c.spike_limit_percentage) {
      return fail("'spike_limit_percentage' must be smaller than 'limit_percentage'", 'spike_limit_percentage');
    }
  });

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;
