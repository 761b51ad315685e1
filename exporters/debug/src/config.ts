import { z } from '@flowtel/core';

/** basic | normal | detailed, in any case, as otelcol's configtelemetry.Level reads it */
const verbosity = () =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['basic', 'normal', 'detailed']));

export const debugConfigSchema = z
  .object({
    verbosity: verbosity().default('basic'),
    /** messages logged per second before sampling starts */
    sampling_initial: z.number().int().nonnegative().default(2),
    /** then every Nth message; 1 disables sampling, 0 drops everything past the initial ones */
    sampling_thereafter: z.number().int().nonnegative().default(1),
    /** true: through the collector's logger; false: plain text on stdout */
    use_internal_logger: z.boolean().default(true),
  })
  .strict();

export type DebugConfig = z.output<typeof debugConfigSchema>;
