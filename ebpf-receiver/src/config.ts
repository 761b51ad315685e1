// The `ebpf` receiver's configuration. Defaults capture every TCP/UDP socket of the host (but
// flowtel's own) with the first 1 KiB of each read and write.
import { z, duration } from '@flowtel/core';

export const MAX_PAYLOAD_SIZE = 16384;

const port = z.number().int().min(1).max(65535);
export const pid = z.number().int().min(1).max(0xffffffff);
export const comm = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s) <= 15, {
    message: 'a process name (comm) is at most 15 bytes, as the kernel keeps it',
  });

/** allow and deny lists of one kind of item, empty by default */
export const allowDeny = <T extends z.ZodTypeAny>(item: T) =>
  z
    .object({
      /** when not empty, only these are captured */
      allow: z.array(item).default([]),
      /** never captured */
      deny: z.array(item).default([]),
    })
    .strict()
    .default({});

export const configSchema = z
  .object({
    /** bytes of payload copied from each read/write, 0 to 16384 */
    payload_size: z.number().int().min(0).max(MAX_PAYLOAD_SIZE).default(1024),
    /** most events in one batch handed to the pipeline */
    batch_size: z
      .number()
      .int()
      .min(1)
      .max(1 << 20)
      .default(1024),
    /** how often the ring buffer is drained; a filling ring wakes the reader earlier */
    poll_interval: duration()
      .default('10ms')
      .refine((ms) => ms >= 1 && ms <= 60_000, { message: 'must be from 1ms to 1m' }),
    /** bytes of the kernel-to-flowtel ring buffer, a power of two (events beyond it are lost and counted) */
    ring_buffer_size: z
      .number()
      .int()
      .min(4096)
      .max(1 << 30)
      .refine((n) => (n & (n - 1)) === 0, { message: 'must be a power of two, e.g. 16777216' })
      .default(1 << 24),
    filters: z
      .object({
        /** process ids (the tgid) */
        pids: allowDeny(pid),
        /** process names as the kernel knows them (`comm`, at most 15 bytes) */
        comms: allowDeny(comm),
        /** an event matches when its local or its remote port does */
        ports: allowDeny(port),
      })
      .strict()
      .default({}),
    tls: z
      .object({
        /** plaintext of OpenSSL's TLS connections from uprobes on SSL_read/SSL_write (libssl and node) */
        enabled: z.boolean().default(true),
        /** more files to attach to (a libssl or an executable linking OpenSSL statically) */
        paths: z.array(z.string().min(1)).default([]),
        /** how often the running processes are searched for OpenSSL files not attached yet; 0 only at start */
        rescan_interval: duration()
          .default('10s')
          .refine((ms) => ms === 0 || (ms >= 100 && ms <= 86_400_000), { message: 'must be 0 or from 100ms to 24h' }),
      })
      .strict()
      .default({}),
    tcp: z
      .object({
        /** TCP metrics from the kernel's tcp tracepoints: RTT, retransmissions, resets, connect latency and failures */
        enabled: z.boolean().default(true),
        /** zero windows too, from tcp:tcp_probe, which runs for every segment a connection receives */
        zero_window: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** true: the collector fails to start when capture cannot (default: warn once, capture nothing) */
    required: z.boolean().default(false),
  })
  .strict();

export type EbpfConfig = z.output<typeof configSchema>;
