// contrib's filelog receiver config (receiver/filelogreceiver, pkg/stanza/fileconsumer): every
// key with its default; what flowtel does not do yet is refused with the reason.
import { duration, notInFlowtel, z } from '@flowtel/core';
import { byteSize, encodingSchema, multilineSchema, operatorsSchema, regex, retrySchema } from '@flowtel/stanza';

const sortRule = z
  .object({
    sort_type: z.enum(['numeric', 'alphabetical', 'timestamp', 'mtime']),
    regex_key: z.string().optional(),
    ascending: z.boolean().default(false),
    location: z.string().optional(),
    layout: z.string().optional(),
    format: z.string().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.sort_type !== 'mtime' && !r.regex_key)
      ctx.addIssue({ code: 'custom', message: `regex_key must be specified for sort_type ${r.sort_type}` });
    if (r.sort_type === 'timestamp' && !(r.layout ?? r.format))
      ctx.addIssue({ code: 'custom', message: 'layout must be specified for sort_type timestamp' });
  });

export const configSchema = z
  .object({
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    exclude_older_than: duration().optional(),
    start_at: z.enum(['beginning', 'end']).default('end'),
    multiline: multilineSchema.optional(),
    force_flush_period: duration().default('500ms'),
    encoding: encodingSchema,
    preserve_leading_whitespaces: z.boolean().default(false),
    preserve_trailing_whitespaces: z.boolean().default(false),
    include_file_name: z.boolean().default(true),
    include_file_path: z.boolean().default(false),
    include_file_name_resolved: z.boolean().default(false),
    include_file_path_resolved: z.boolean().default(false),
    include_file_owner_name: z.boolean().default(false),
    include_file_owner_group_name: z.boolean().default(false),
    include_file_record_number: z.boolean().default(false),
    include_file_record_offset: z.boolean().default(false),
    poll_interval: duration().default('200ms'),
    fingerprint_size: byteSize().default('1kb'),
    initial_buffer_size: byteSize().default('16KiB'),
    max_log_size: byteSize().default('1MiB'),
    max_concurrent_files: z.number().int().default(1024),
    max_batches: z.number().int().nonnegative().default(0),
    delete_after_read: z.boolean().default(false),
    acquire_fs_lock: z
      .boolean()
      .default(false)
      .refine((v) => !v, { message: 'acquire_fs_lock is not in flowtel yet: Node has no flock' }),
    attributes: z.record(z.unknown()).default({}),
    resource: z.record(z.unknown()).default({}),
    operators: operatorsSchema,
    storage: z.string().optional(),
    header: notInFlowtel('header metadata parsing is not in flowtel yet'),
    polls_to_archive: notInFlowtel('polls_to_archive is not in flowtel yet: known files are kept for 3 polls'),
    retry_on_failure: retrySchema,
    ordering_criteria: z
      .object({
        regex: regex().optional(),
        top_n: z.number().int().positive().default(1),
        group_by: regex().optional(),
        sort_by: z.array(sortRule).default([]),
      })
      .strict()
      .optional(),
    compression: z.enum(['', 'gzip', 'auto']).default(''),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.include.length === 0)
      ctx.addIssue({ code: 'custom', path: ['include'], message: "'include' must be specified" });
    if (c.max_concurrent_files <= 1)
      ctx.addIssue({
        code: 'custom',
        path: ['max_concurrent_files'],
        message: "'max_concurrent_files' must be greater than 1",
      });
    if (c.fingerprint_size < 16)
      ctx.addIssue({
        code: 'custom',
        path: ['fingerprint_size'],
        message: "'fingerprint_size' must be at least 16 bytes",
      });
    if (c.max_log_size <= 0)
      ctx.addIssue({ code: 'custom', path: ['max_log_size'], message: "'max_log_size' must be positive" });
    if (c.delete_after_read && c.start_at === 'end')
      ctx.addIssue({
        code: 'custom',
        path: ['delete_after_read'],
        message: "'delete_after_read' cannot be used with 'start_at: end'",
      });
    if (c.ordering_criteria?.sort_by.some((r) => r.sort_type !== 'mtime') && !c.ordering_criteria.regex)
      ctx.addIssue({
        code: 'custom',
        path: ['ordering_criteria', 'regex'],
        message: "'regex' must be specified when 'sort_by' is specified",
      });
  });

export type Config = z.output<typeof configSchema>;
