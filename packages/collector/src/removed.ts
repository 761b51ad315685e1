// Components otelcol removed that deployed configs still carry, where a safe meaning exists:
// better a warning naming the replacement than otelcol's hard error, for a drop-in.
import { z, type Component, type ExporterFactory, type ExtensionFactory } from '@flowtel/core';

/** What the debug exporter's config is; the logging exporter's keys become it. */
interface DebugConfig {
  verbosity: 'basic' | 'normal' | 'detailed';
  sampling_initial: number;
  sampling_thereafter: number;
  use_internal_logger: boolean;
}

const verbosity = () =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['basic', 'normal', 'detailed']));

// zap's levels as the logging exporter read `loglevel` (lower or upper case), and the debug
// verbosity each meant (loggingexporter/config.go mapLevel): debug -> detailed, info ->
// normal, anything above -> basic.
const LOGLEVEL_VERBOSITY: Record<string, DebugConfig['verbosity']> = {
  debug: 'detailed',
  info: 'normal',
  warn: 'basic',
  error: 'basic',
  dpanic: 'basic',
  panic: 'basic',
  fatal: 'basic',
};

const loglevel = z
  .string()
  .refine(
    (l) => l === l.toLowerCase() || l === l.toUpperCase(),
    (l) => ({ message: `log level "${l}" is not supported` }),
  )
  .transform((l) => l.toLowerCase())
  .refine(
    (l) => l in LOGLEVEL_VERBOSITY,
    (l) => ({
      message: `failed to map 'loglevel': log level "${l}" is not supported (valid: ${Object.keys(LOGLEVEL_VERBOSITY).join(', ')})`,
    }),
  );

/** The logging exporter's keys and defaults (verbosity normal, 2 then every 500th), as debug's config. */
export const loggingConfigSchema = z
  .object({
    loglevel: loglevel.optional(),
    verbosity: verbosity().optional(),
    sampling_initial: z.number().int().nonnegative().default(2),
    sampling_thereafter: z.number().int().nonnegative().default(500),
  })
  .strict()
  .refine((c) => c.loglevel === undefined || c.verbosity === undefined, {
    message: "'loglevel' and 'verbosity' are incompatible. Use only 'verbosity' instead",
  })
  .transform((c): DebugConfig => ({
    verbosity: c.verbosity ?? (c.loglevel ? LOGLEVEL_VERBOSITY[c.loglevel] : 'normal'),
    sampling_initial: c.sampling_initial,
    sampling_thereafter: c.sampling_thereafter,
    use_internal_logger: true,
  }));

/** The logging exporter: the debug exporter's behaviour (given by the registry) under logging's keys. */
export const loggingExporter = (debugExporter: ExporterFactory<DebugConfig>): ExporterFactory<DebugConfig> => ({
  ...debugExporter,
  type: 'logging',
  aliases: [],
  stability: { traces: 'deprecated', metrics: 'deprecated', logs: 'deprecated' },
  description: 'removed from otelcol in v0.111.0; runs as the debug exporter',
  deprecated:
    'the logging exporter was removed from otelcol in v0.111.0; flowtel runs it as the debug exporter (loglevel debug -> verbosity detailed, info -> normal, warn/error -> basic). Use debug instead',
  configSchema: loggingConfigSchema,
});

/** memory_ballast's keys; a ballast steered Go's GC, and Node's V8 has nothing it would steer. */
export const memoryBallastConfigSchema = z
  .object({
    size_mib: z.number().int().nonnegative().default(0),
    size_in_percentage: z
      .number()
      .int()
      .nonnegative()
      .max(100, 'size_in_percentage is not in range 0 to 100')
      .default(0),
  })
  .strict();

export const memoryBallastExtension: ExtensionFactory<z.output<typeof memoryBallastConfigSchema>> = {
  kind: 'extension',
  type: 'memory_ballast',
  stability: 'deprecated',
  description: 'removed from otelcol in v0.109.0; accepted and does nothing',
  deprecated:
    "the memory_ballast extension was removed from otelcol in v0.109.0 and does nothing in flowtel (a ballast only steered Go's garbage collector). Remove it; to bound memory use the memory_limiter processor",
  configSchema: memoryBallastConfigSchema,
  createExtension: (): Component & Record<string, unknown> => ({ start: async () => {}, shutdown: async () => {} }),
};
