// contrib's journald receiver config (receiver/journaldreceiver over stanza's journald_input
// operator), every key with its default. The filters become journalctl's own arguments, as
// contrib passes them.
import { z } from '@flowtel/core';
import { receiverShape } from '@flowtel/stanza';

const PRIORITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const priorityLevel = (p: string): boolean => PRIORITY_NAMES.includes(p) || /^[0-7]$/.test(p);

/** one entry of `matches`: FIELD: value pairs that must all hold (journalctl's FIELD=value terms) */
const matchSchema = z.record(z.string()).superRefine((m, ctx) => {
  for (const key of Object.keys(m))
    if (!/^[_A-Z]+$/.test(key)) ctx.addIssue({ code: 'custom', message: `'${key}' is not a valid Systemd field name` });
});

export const configSchema = z
  .object({
    directory: z.string().min(1).optional(),
    files: z.array(z.string().min(1)).default([]),
    start_at: z.enum(['beginning', 'end']).default('end'),
    units: z.array(z.string().min(1)).default([]),
    identifiers: z.array(z.string().min(1)).default([]),
    matches: z.array(matchSchema).default([]),
    priority: z
      .string()
      .default('info')
      .refine((p) => p.split('..').length <= 2 && p.split('..').every(priorityLevel), {
        message: `priority must be a level (${PRIORITY_NAMES.join(', ')} or 0-7) or a range FROM..TO`,
      }),
    grep: z.string().default(''),
    dmesg: z.boolean().default(false),
    all: z.boolean().default(false),
    namespace: z.string().default(''),
    merge: z.boolean().default(false),
    convert_message_bytes: z.boolean().default(false),
    convert_to_semantic_conventions: z.boolean().default(false),
    root_path: z.string().default(''),
    journalctl_path: z.string().min(1).optional(),
    storage: z.string().optional(),
    ...receiverShape,
  })
  .strict()
  .superRefine((c, ctx) => {
    // contrib passes only the directory then and ignores the files without a word
    if (c.directory && c.files.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['files'],
        message: 'files and directory cannot both be set: journalctl reads the directory alone',
      });
    if (c.root_path && c.journalctl_path && !c.journalctl_path.startsWith('/'))
      ctx.addIssue({
        code: 'custom',
        path: ['journalctl_path'],
        message:
          'journalctl_path must be absolute with root_path: it is looked up inside root_path, where no PATH applies',
      });
  });

export type Config = z.output<typeof configSchema>;

/** journalctl's arguments for a config, before a saved cursor is added (contrib's order). */
export function journalctlArgs(c: Config): string[] {
  const args = ['--utc', '--output=json', '--follow'];
  if (c.start_at === 'beginning') args.push('--no-tail');
  for (const unit of c.units) args.push('--unit', unit);
  for (const identifier of c.identifiers) args.push('--identifier', identifier);
  args.push('--priority', c.priority);
  if (c.grep) args.push('--grep', c.grep);
  if (c.dmesg) args.push('--dmesg');
  if (c.namespace) args.push('--namespace', c.namespace);
  if (c.directory) args.push('--directory', c.directory);
  else for (const file of c.files) args.push('--file', file);
  c.matches.forEach((m, i) => {
    if (i > 0) args.push('+');
    for (const key of Object.keys(m).sort()) args.push(`${key}=${m[key]}`);
  });
  if (c.all) args.push('--all');
  if (c.merge) args.push('--merge');
  return args;
}
