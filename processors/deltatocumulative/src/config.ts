// contrib's deltatocumulativeprocessor Config, its defaults and Validate messages.
import { duration, z } from '@flowtel/core';

export const deltaToCumulativeConfigSchema = z
  .object({
    /** how long a stream that receives no points is kept */
    max_stale: duration().default('5m'),
    /** most streams tracked; points of new streams beyond it are dropped (contrib's default: max int) */
    max_streams: z.number().int().default(Number.MAX_SAFE_INTEGER),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.max_stale <= 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `max_stale must be a positive duration (got ${c.max_stale}ms)`,
        path: ['max_stale'],
      });
    }
    if (c.max_streams < 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `max_streams must be a positive number (got ${c.max_streams})`,
        path: ['max_streams'],
      });
    }
  });

export type DeltaToCumulativeConfig = z.output<typeof deltaToCumulativeConfigSchema>;
