import { endpoint, notInFlowtel, z } from '@flowtel/core';

/** Go's runtime profiles that Node has no counterpart of: only their "off" value is honoured. */
const goOnlyRate = (what: string) =>
  z
    .number()
    .int()
    .default(0)
    .refine((v) => v <= 0, {
      message: `${what} profiling is Go's (runtime.Set${what === 'block' ? 'BlockProfileRate' : 'MutexProfileFraction'}); Node has no ${what} profile, so only 0 (off) is accepted`,
    });

export const pprofConfigSchema = z
  .object({
    endpoint: endpoint().default('localhost:1777'),
    block_profile_fraction: goOnlyRate('block'),
    mutex_profile_fraction: goOnlyRate('mutex'),
    /** a CPU profile from start to shutdown, written in pprof format at shutdown */
    save_to_file: z.string().default(''),
    dialer: notInFlowtel('dialer is not in flowtel: the pprof extension only listens'),
  })
  .strict();

export type PprofConfig = z.output<typeof pprofConfigSchema>;
