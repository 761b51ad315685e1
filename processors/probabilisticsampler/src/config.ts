// contrib's probabilisticsamplerprocessor Config, its defaults (createDefaultConfig) and its
// Validate messages.
import { z } from '@flowtel/core';

export const MODES = ['hash_seed', 'equalizing', 'proportional'] as const;

export const probabilisticSamplerConfigSchema = z
  .object({
    /** percent of items kept; >= 100 keeps all, 0 none (a float32 in otelcol) */
    sampling_percentage: z.number().default(0),
    /** FNV seed of the hash_seed mode (a uint32) */
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** '' (unset) is hash_seed */
    mode: z
      .string()
      .default('')
      .refine(
        (m) => m === '' || (MODES as readonly string[]).includes(m),
        (m) => ({
          message: `unsupported sampler mode ${JSON.stringify(m)}`,
        }),
      ),
    /** items whose sampling information is missing or inconsistent are dropped (else kept) */
    fail_closed: z.boolean().default(true),
    /** hex digits of the thresholds written, 1..14 */
    sampling_precision: z.number().int().default(4),
    /** logs: `traceID` (the record's trace id, else from_attribute) or `record` (from_attribute) */
    attribute_source: z.string().default('traceID'),
    /** logs: the attribute hashed for randomness */
    from_attribute: z.string().default(''),
    /** logs: an attribute whose number (percent) replaces sampling_percentage for its record */
    sampling_priority: z.string().default(''),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, path: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, message, path: [path] });
    // otelcol reads the percentage as a float32
    const pct = Math.fround(c.sampling_percentage);
    if (!Number.isFinite(pct)) return fail(`sampling rate is invalid: ${pct}%`, 'sampling_percentage');
    const ratio = pct / 100;
    if (ratio < 0) return fail(`sampling rate is negative: ${pct}%`, 'sampling_percentage');
    if (ratio > 0 && ratio < 2 ** -56) return fail(`sampling rate is too small: ${pct}%`, 'sampling_percentage');
    if (c.attribute_source !== 'traceID' && c.attribute_source !== 'record') {
      return fail(`invalid attribute source: ${c.attribute_source}. Expected: traceID or record`, 'attribute_source');
    }
    if (c.sampling_precision === 0) return fail('invalid sampling precision: 0', 'sampling_precision');
    if (c.sampling_precision < 0 || c.sampling_precision > 14) {
      fail(`sampling precision is too great, should be <= 14: ${c.sampling_precision}`, 'sampling_precision');
    }
  });

export type ProbabilisticSamplerConfig = z.output<typeof probabilisticSamplerConfigSchema>;
