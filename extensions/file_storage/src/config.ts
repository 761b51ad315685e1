import { z, duration } from '@flowtel/core';

export const configSchema = z
  .object({
    directory: z.string().default('./data/file_storage'),
    create_directory: z.boolean().default(true),
    /** the mode a created directory gets (octal text, as otelcol's), before the process umask */
    directory_permissions: z
      .string()
      .regex(/^0?[0-7]{3}$/, { message: 'must be octal permissions such as 0750' })
      .default('0750'),
    /** fsync every write: survives a power cut, not just a crash; slower */
    fsync: z.boolean().default(false),
    timeout: duration().default('1s'),
    compaction: z.record(z.unknown()).optional(),
  })
  .strict();

export type FileStorageConfig = z.output<typeof configSchema>;
