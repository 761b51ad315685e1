import { duration, z } from '@flowtel/core';

const rotationSchema = z
  .object({
    /** size in MiB after which the file is rotated; 0 means the default, 100 */
    max_megabytes: z.number().int().nonnegative().default(100),
    /** days to keep rotated files, by the time in their name; 0 keeps them regardless of age */
    max_days: z.number().int().nonnegative().default(0),
    /** rotated files to keep; 0 keeps them all */
    max_backups: z.number().int().nonnegative().default(100),
    /** name rotated files by local time instead of UTC */
    localtime: z.boolean().default(false),
  })
  .strict();

export const fileConfigSchema = z
  .object({
    path: z.string().default(''),
    append: z.boolean().default(false),
    /** absent: the file grows without rotation */
    rotation: rotationSchema.optional(),
    format: z.string().default('json'),
    compression: z.string().default(''),
    /** how often buffered data is written to the file; 0 means the default, 1s */
    flush_interval: duration().default('1s'),
    create_directory: z.boolean().default(false),
    directory_permissions: z.string().optional(),
    /** accepted so otelcol configs load; only `enabled: false` is supported */
    group_by: z
      .object({
        enabled: z.boolean().default(false),
        resource_attribute: z.string().default('fileexporter.path_segment'),
        max_open_files: z.number().int().positive().default(100),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, key: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, path: [key] });
    if (c.path === '') return fail('path must be non-empty', 'path');
    if (c.append && c.compression !== '')
      return fail('append and compression enabled at the same time is not supported', 'append');
    if (c.append && c.rotation) return fail('append and rotation enabled at the same time is not supported', 'append');
    if (c.format !== 'json' && c.format !== 'proto')
      return fail(`format type is not supported: "${c.format}" (valid: json, proto)`, 'format');
    if (c.compression !== '' && c.compression !== 'zstd')
      return fail(`compression is not supported: "${c.compression}" (valid: zstd)`, 'compression');
    if (c.flush_interval < 0) return fail('flush_interval must be larger than zero', 'flush_interval');
    if (c.group_by?.enabled)
      return fail('group_by is not supported by flowtel: set enabled: false or remove it', 'group_by');
    if (c.directory_permissions !== undefined) {
      if (!c.create_directory)
        return fail('directory_permissions requires create_directory to be true', 'directory_permissions');
      if (!/^[0-7]+$/.test(c.directory_permissions)) {
        return fail('directory_permissions value must be a valid octal representation', 'directory_permissions');
      }
      if (parseInt(c.directory_permissions, 8) > 0o777) {
        return fail('directory_permissions contain invalid bits for file access', 'directory_permissions');
      }
    }
  })
  .transform((c) => ({
    ...c,
    flush_interval: c.flush_interval === 0 ? 1000 : c.flush_interval,
    directory_permissions: parseInt(c.directory_permissions ?? '0755', 8),
    rotation: c.rotation && { ...c.rotation, max_megabytes: c.rotation.max_megabytes || 100 },
  }));

export type FileConfig = z.output<typeof fileConfigSchema>;
export type RotationConfig = NonNullable<FileConfig['rotation']>;
