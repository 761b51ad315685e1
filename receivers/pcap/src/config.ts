import { duration, z } from '@flowtel/core';

export const pcapReceiverConfigSchema = z
  .object({
    /** a pcap or pcapng file to replay */
    file: z.string().min(1).optional(),
    /** a network interface to capture live (e.g. `lo`, `eth0`, `any`); needs root or CAP_NET_RAW */
    interface: z.string().min(1).optional(),
    /** file replay speed: `fast` (as fast as the pipeline accepts) or `realtime` (the capture's own gaps) */
    pacing: z.enum(['fast', 'realtime']).default('fast'),
    /** libpcap filter for live capture, e.g. `tcp port 80` */
    bpf_filter: z.string().default(''),
    /** bytes kept per live-captured packet */
    snaplen: z.number().int().min(64).max(262_144).default(262_144),
    /** socket events per batch sent down the pipeline */
    batch_size: z.number().int().positive().default(1024),
    /** how long a partial batch waits for company during live capture or paced replay */
    batch_timeout: duration().default('200ms'),
    /** whose socket events to emit: `client`, `server` or `both` (as eBPF sees two local processes) */
    perspective: z.enum(['client', 'server', 'both']).default('both'),
    /** roles of connections whose handshake the capture missed: `auto` or `first-packet` (DeepFlow's test rule) */
    roles: z.enum(['auto', 'first-packet']).default('auto'),
    /** false: one event per TCP segment as captured, no reordering */
    reassemble: z.boolean().default(true),
    /** out-of-order bytes one direction of a connection may hold before its hole is skipped */
    max_out_of_order_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** connections tracked at once */
    max_connections: z.number().int().positive().default(65_536),
    /** shut the collector down once the file is replayed and everything it emitted was accepted */
    exit_on_eof: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (c.file === undefined && c.interface === undefined) {
      issue('file', 'set `file` (a pcap or pcapng file to replay) or `interface` (e.g. lo, to capture live)');
    }
    if (c.file !== undefined && c.interface !== undefined) {
      issue('interface', '`file` and `interface` exclude each other: use two pcap receivers (pcap/a, pcap/b) for both');
    }
    if (c.interface !== undefined && c.exit_on_eof)
      issue('exit_on_eof', 'exit_on_eof applies to `file` replay; a live capture has no end');
    if (c.interface !== undefined && c.pacing !== 'fast')
      issue('pacing', 'pacing applies to `file` replay; a live capture runs in real time');
    if (c.file !== undefined && c.bpf_filter !== '') {
      issue(
        'bpf_filter',
        'bpf_filter applies to live capture; filter a file first, e.g. `tcpdump -r in.pcap -w out.pcap "tcp port 80"`',
      );
    }
    if (c.batch_timeout <= 0) issue('batch_timeout', 'batch_timeout must be positive');
  });

export type PcapReceiverConfig = z.output<typeof pcapReceiverConfigSchema>;
