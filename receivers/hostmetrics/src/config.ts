import { duration, z } from '@flowtel/core';
import { NOT_YET, PROCESS_RESOURCE_ATTRIBUTES, SCRAPER_METRICS, type ScraperName } from './metadata.ts';

/** `cpu:` with nothing after it (YAML null) is the scraper with its defaults. */
const section = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === null ? {} : v), schema);

const enabled = (value: boolean) =>
  z
    .object({ enabled: z.boolean().default(value) })
    .strict()
    .default({});

/** `metrics: { <name>: { enabled } }` with the scraper's metric names and defaults. */
function metricsSchema(scraper: ScraperName) {
  const shape: Record<string, ReturnType<typeof enabled>> = {};
  for (const [name, def] of Object.entries(SCRAPER_METRICS[scraper])) shape[name] = enabled(def.enabled);
  return z.object(shape).strict().default({});
}

/** contrib's filterset block: a list and how to match it. */
const filter = <K extends string>(key: K) =>
  z
    .object({ [key]: z.array(z.string()).default([]), match_type: z.enum(['strict', 'regexp']) } as {
      [P in K]: z.ZodDefault<z.ZodArray<z.ZodString>>;
    } & { match_type: z.ZodEnum<['strict', 'regexp']> })
    .strict()
    .optional();

const scrapers = {
  cpu: z.object({ metrics: metricsSchema('cpu') }).strict(),
  memory: z.object({ metrics: metricsSchema('memory') }).strict(),
  load: z.object({ metrics: metricsSchema('load'), cpu_average: z.boolean().default(false) }).strict(),
  disk: z.object({ metrics: metricsSchema('disk'), include: filter('devices'), exclude: filter('devices') }).strict(),
  filesystem: z
    .object({
      metrics: metricsSchema('filesystem'),
      include_devices: filter('devices'),
      exclude_devices: filter('devices'),
      include_fs_types: filter('fs_types'),
      exclude_fs_types: filter('fs_types'),
      include_mount_points: filter('mount_points'),
      exclude_mount_points: filter('mount_points'),
      include_virtual_filesystems: z.boolean().default(false),
    })
    .strict(),
  network: z
    .object({ metrics: metricsSchema('network'), include: filter('interfaces'), exclude: filter('interfaces') })
    .strict(),
  paging: z.object({ metrics: metricsSchema('paging') }).strict(),
  processes: z.object({ metrics: metricsSchema('processes') }).strict(),
  process: z
    .object({
      metrics: metricsSchema('process'),
      resource_attributes: z
        .object(Object.fromEntries(PROCESS_RESOURCE_ATTRIBUTES.map((a) => [a, enabled(true)])))
        .strict()
        .default({}),
      include: filter('names'),
      exclude: filter('names'),
      mute_process_name_error: z.boolean().default(false),
      mute_process_exe_error: z.boolean().default(false),
      mute_process_io_error: z.boolean().default(false),
      mute_process_user_error: z.boolean().default(false),
      mute_process_cgroup_error: z.boolean().default(false),
      mute_process_all_errors: z.boolean().default(false),
      scrape_process_delay: duration().default('0s'),
    })
    .strict(),
  system: z.object({ metrics: metricsSchema('system') }).strict(),
};

const notYet = Object.fromEntries(
  NOT_YET.map((name) => [
    name,
    z.undefined({ errorMap: () => ({ message: `the ${name} scraper is not yet in flowtel` }) }).optional(),
  ]),
);

export const configSchema = z
  .object({
    collection_interval: duration().default('1m'),
    initial_delay: duration().default('1s'),
    /** 0: a scrape may take as long as it takes */
    timeout: duration().default('0s'),
    root_path: z.string().default(''),
    scrapers: z
      .object({
        ...Object.fromEntries(Object.entries(scrapers).map(([k, s]) => [k, section(s).optional()])),
        ...notYet,
      } as { [K in keyof typeof scrapers]: z.ZodOptional<z.ZodEffects<(typeof scrapers)[K]>> })
      .strict()
      .default({}),
  })
  .strict()
  .refine((c) => Object.values(c.scrapers).some((s) => s !== undefined), {
    message: 'must specify at least one scraper when using hostmetrics receiver',
    path: ['scrapers'],
  })
  .refine((c) => c.collection_interval > 0, {
    message: '"collection_interval": requires positive value',
    path: ['collection_interval'],
  });

export type Config = z.output<typeof configSchema>;
export type ScrapersConfig = Config['scrapers'];
export type FilterConfig = { match_type: 'strict' | 'regexp' } & Record<string, string[] | string>;
