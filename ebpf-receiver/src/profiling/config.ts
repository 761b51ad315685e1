// The `profiling` receiver's configuration: the keys of the OpenTelemetry eBPF profiler's
// collector receiver (same type name) that flowtel honours, with its defaults, plus flowtel's
// off-CPU minimum, filters and `required`. Its other keys are refused, saying so.
import { z, duration } from '@flowtel/core';
import { allowDeny, comm, pid } from '../config.ts';

/** a cgroup v2 path under /sys/fs/cgroup, e.g. /system.slice/nginx.service */
const cgroup = z
  .string()
  .regex(/^\//, { message: 'a cgroup v2 path, starting with / (e.g. /system.slice/nginx.service)' });

/** The OTel eBPF profiler's keys flowtel does not do (its interpreter unwinders, probes, gRPC reporter). */
const NOT_SUPPORTED = [
  'monitor_interval',
  'probabilistic_interval',
  'probabilistic_threshold',
  'tracers',
  'clock_sync_interval',
  'send_error_frames',
  'verbose_mode',
  'include_env_vars',
  'probe_links',
  'load_probe',
  'map_scale_factor',
  'go_labels_map_scale_factor',
  'bpf_verifier_log_level',
  'no_kernel_version_check',
  'max_grpc_retries',
  'max_rpc_msg_size',
] as const;

export const configSchema = z
  .object({
    /** on-CPU samples per second per CPU (the OTel eBPF profiler's default, 20) */
    samples_per_second: z.number().int().min(1).max(1000).default(20),
    /** how often aggregated samples go to the pipelines as one profiles batch */
    reporter_interval: duration()
      .default('5s')
      .refine((ms) => ms >= 100 && ms <= 3_600_000, { message: 'must be from 100ms to 1h' }),
    /** probability that a thread's switch-out is recorded for off-CPU profiling; 0 turns it off */
    off_cpu_threshold: z.number().min(0).max(1).default(0),
    /** shortest off-CPU interval reported (flowtel's) */
    off_cpu_min_duration: duration()
      .default('1ms')
      .refine((ms) => ms >= 0 && ms <= 60_000, { message: 'must be from 0 to 1m' }),
    /** keep samples of idle CPUs (the kernel's idle task, pid 0) */
    send_idle_frames: z.boolean().default(false),
    filters: z
      .object({
        /** process ids (the tgid) */
        pids: allowDeny(pid),
        /** process names as the kernel knows them (`comm`, at most 15 bytes) */
        comms: allowDeny(comm),
        /** cgroup v2 paths (a container's or a systemd unit's); a thread matches its own cgroup only */
        cgroups: allowDeny(cgroup),
      })
      .strict()
      .default({}),
    /** true: the collector fails to start when profiling cannot (default: warn once, profile nothing) */
    required: z.boolean().default(false),
    ...Object.fromEntries(NOT_SUPPORTED.map((key) => [key, z.unknown().optional()])),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of NOT_SUPPORTED)
      if ((c as Record<string, unknown>)[key] !== undefined)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: `${key} is a key of the OpenTelemetry eBPF profiler that flowtel does not support (it has no interpreter unwinders, probes or gRPC reporter of its own); remove it`,
        });
  });

export type ProfilingConfig = z.output<typeof configSchema>;
