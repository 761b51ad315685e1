// The `profiling` receiver: runs the profiler session (kernel sampler, aggregation, symbolizer)
// and sends each report to the profiles pipelines that name it. Where the profiler cannot start
// it says why once and profiles nothing, so the rest of the collector runs.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Consumer, CreateSettings, PipelineSignal, Receiver } from '@flowtel/core';
import { CaptureUnavailableError, unavailableOrThrow } from '../native.ts';
import type { ProfileReport } from './report.ts';
import { ProfilerSession } from './session.ts';
import type { ProfilingConfig } from './config.ts';
import { reportToProfiles, type ProcessInfo } from './profiles.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const CONTAINER_ID = /([0-9a-f]{64})/;

export class ProfilingReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: ProfilingConfig;
  private readonly consumer?: Consumer;
  private session?: ProfilerSession;
  private readonly processes = new Map<number, ProcessInfo>();
  private shutdownPromise?: Promise<void>;
  private refused = 0;
  /** why profiling is off, when it is */
  unavailable?: CaptureUnavailableError;

  constructor(settings: CreateSettings, config: ProfilingConfig, consumers: Partial<Record<PipelineSignal, Consumer>>) {
    this.settings = settings;
    this.config = config;
    this.consumer = consumers.profiles;
  }

  async start(): Promise<void> {
    if (this.shutdownPromise) return;
    const c = this.config;
    try {
      this.session = new ProfilerSession(
        {
          samplesPerSecond: c.samples_per_second,
          reportIntervalMs: Math.round(c.reporter_interval),
          sendIdle: c.send_idle_frames,
          offCpuThreshold: c.off_cpu_threshold,
          offCpuMinNs: Math.round(c.off_cpu_min_duration * 1e6),
          pidAllow: c.filters.pids.allow,
          pidDeny: c.filters.pids.deny,
          commAllow: c.filters.comms.allow,
          commDeny: c.filters.comms.deny,
          cgroupAllow: c.filters.cgroups.allow.map((path) => cgroupId(path)),
          cgroupDeny: c.filters.cgroups.deny.map((path) => cgroupId(path)),
        },
        (report) => this.onReport(report),
        (err, records) =>
          this.settings.logger.error(
            { err },
            `${this.settings.id}: dropped a report of ${records} stacks that could not be read`,
          ),
      );
    } catch (err) {
      this.unavailable = unavailableOrThrow(
        err,
        this.config.required,
        this.settings.logger,
        this.settings.id,
        'eBPF profiling cannot start, so this receiver profiles nothing',
      );
      return;
    }
    this.observeCounters();
    this.settings.logger.info(
      `${this.settings.id}: profiling with eBPF at ${c.samples_per_second} samples/s per CPU${c.off_cpu_threshold > 0 ? `, off-CPU (threshold ${c.off_cpu_threshold})` : ''}`,
    );
  }

  /** Stops sampling after sending what was sampled since the last report. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.session?.stop();
    })();
    return this.shutdownPromise;
  }

  private onReport(report: ProfileReport): void {
    if (report.samples.length === 0 || !this.consumer) return;
    const { profiles, samples } = reportToProfiles(report, this.config.samples_per_second, (pid) =>
      this.processInfo(pid),
    );
    // refusals are counted by the pipeline's receiver metrics; a report cannot be sampled again
    this.consumer.consume({ signal: 'profiles', data: profiles, items: samples }).catch((err: unknown) => {
      this.refused += samples;
      this.settings.logger.warn(
        { err: String(err), samples },
        `${this.settings.id}: the pipeline refused a profiles report`,
      );
    });
  }

  private processInfo(pid: number): ProcessInfo {
    let info = this.processes.get(pid);
    if (info) return info;
    info = {};
    try {
      info.executablePath = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // gone, or a kernel thread
    }
    try {
      info.containerId = CONTAINER_ID.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
    } catch {
      // gone
    }
    if (this.processes.size >= 65536) this.processes.clear();
    this.processes.set(pid, info);
    return info;
  }

  private observeCounters(): void {
    const attributes = { receiver: this.settings.id };
    this.settings.meter
      .createObservableCounter('flowtel_profiling_samples_lost', {
        description: 'Profile samples the kernel programs could not store (ring buffer full or task storage failed).',
        unit: '{samples}',
      })
      .addCallback((r) => r.observe(this.session?.stats().lost ?? 0, attributes));
    this.settings.meter
      .createObservableCounter('flowtel_profiling_samples_refused', {
        description: 'Profile samples of reports a pipeline refused.',
        unit: '{samples}',
      })
      .addCallback((r) => r.observe(this.refused, attributes));
  }
}

/** A cgroup v2 path's id, the inode number of its directory (what bpf_get_current_cgroup_id returns). */
function cgroupId(path: string): number {
  try {
    return statSync(`${CGROUP_ROOT}${path}`).ino;
  } catch (err) {
    throw new CaptureUnavailableError(
      'FILTER',
      `cgroup ${path} not found under ${CGROUP_ROOT}: ${(err as Error).message}`,
    );
  }
}
