import { duration, z } from '@flowtel/core';

export const batchConfigSchema = z
  .object({
    /** items (spans, data points, log records) that trigger a send regardless of the timeout */
    send_batch_size: z.number().int().nonnegative().default(8192),
    /** the most items one outgoing batch may hold; 0 means no limit */
    send_batch_max_size: z.number().int().nonnegative().default(0),
    /** how long items may wait for company; 0 sends every incoming batch at once */
    timeout: duration().default('200ms'),
    /** client metadata keys that partition the batches, one batcher per distinct value set */
    metadata_keys: z.array(z.string()).default([]),
    /** the most distinct metadata value sets; data for one more is refused */
    metadata_cardinality_limit: z.number().int().nonnegative().default(1000),
    /**
     * flowtel's key, named after the exporter queue's: hold every upstream acknowledgement until
     * the outgoing batches carrying its items have settled downstream (end-to-end), instead of
     * answering as soon as the data is taken, as otelcol's batch processor does
     */
    wait_for_result: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['send_batch_max_size'],
        message: `send_batch_max_size (${c.send_batch_max_size}) must be greater or equal to send_batch_size (${c.send_batch_size}), or 0 for no limit`,
      });
    }
    if (c.timeout < 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['timeout'], message: 'timeout must not be negative' });
    }
    const lower = c.metadata_keys.map((k) => k.toLowerCase());
    const duplicate = lower.find((k, i) => lower.indexOf(k) !== i);
    if (duplicate) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['metadata_keys'],
        message: `duplicate entry in metadata_keys: "${duplicate}" (case-insensitive)`,
      });
    }
  });

export type BatchConfig = z.output<typeof batchConfigSchema>;
