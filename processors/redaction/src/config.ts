// contrib's redactionprocessor Config. Every pattern is RE2 (Go's regexp), checked here so that a
// bad one is a config error at its key, as contrib fails the processor's creation on it.
import { z } from '@flowtel/core';
import { compileRegexp, RegexpError } from '@flowtel/regexp';

export const HASH_FUNCTIONS = ['sha1', 'sha3', 'md5'] as const;

const patterns = z.array(z.string()).default([]);

// the sanitizers are accepted while disabled (as a shared config may carry them), refused when on
const notYet = (what: string) =>
  z
    .record(z.unknown())
    .optional()
    .superRefine((v, ctx) => {
      const on = (o: unknown): boolean =>
        typeof o === 'object' &&
        o !== null &&
        Object.entries(o).some(([k, x]) => (k === 'enabled' ? x === true : on(x)));
      if (on(v)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${what} is not yet implemented in flowtel` });
      }
    });

export const redactionConfigSchema = z
  .object({
    /** true: no attribute is deleted for its key; blocked values still apply */
    allow_all_keys: z.boolean().default(false),
    /** the attribute keys kept; empty (and allow_all_keys false) deletes every attribute */
    allowed_keys: z.array(z.string()).default([]),
    /** keys that pass untouched, neither deleted nor masked */
    ignored_keys: z.array(z.string()).default([]),
    /** RE2 patterns of keys that pass untouched */
    ignored_key_patterns: patterns,
    /** RE2 patterns of keys whose whole value is masked */
    blocked_key_patterns: patterns,
    /** RE2 patterns; the parts of a value they match are masked */
    blocked_values: patterns,
    /** RE2 patterns; a value one matches is left as it is */
    allowed_values: patterns,
    /** mask non-string values too, through their string form */
    redact_all_types: z.boolean().default(false),
    /** md5 | sha1 | sha3 (SHA3-256): hash what is masked instead of writing **** */
    hash_function: z
      .string()
      .default('')
      .transform((s) => s.toLowerCase())
      .refine((s) => s === '' || (HASH_FUNCTIONS as readonly string[]).includes(s), {
        message: `unknown HashFunction, allowed functions are ${HASH_FUNCTIONS.join(', ')}`,
      }),
    /** debug (counts and key lists) | info (counts) | silent; contrib's default '' adds nothing */
    summary: z.enum(['', 'debug', 'info', 'silent']).default(''),
    url_sanitizer: notYet('url_sanitizer'),
    db_sanitizer: notYet('db_sanitizer'),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of ['ignored_key_patterns', 'blocked_key_patterns', 'blocked_values', 'allowed_values'] as const) {
      for (const [i, pattern] of c[key].entries()) {
        try {
          compileRegexp(pattern);
        } catch (err) {
          if (!(err instanceof RegexpError)) throw err;
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message, path: [key, i] });
        }
      }
    }
  });

export type RedactionConfig = z.output<typeof redactionConfigSchema>;
