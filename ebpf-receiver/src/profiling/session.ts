// The profiler session: the addon's sampler and aggregation plus the symbolizer, delivering
// symbolized reports. The `profiling` receiver runs one; tests and the benchmark use it too.
import { CaptureUnavailableError, loadAddon } from '../native.ts';
import { decodeReport, type ProfileRecordLayout, type ProfileReport } from './report.ts';
import { Symbolizer } from './symbols.ts';

export interface ProfilerSessionOptions {
  samplesPerSecond: number;
  reportIntervalMs: number;
  sendIdle: boolean;
  /** probability that a switch-out is recorded; 0 turns off-CPU profiling off */
  offCpuThreshold: number;
  offCpuMinNs: number;
  ringBufferBytes?: number;
  pidAllow?: number[];
  pidDeny?: number[];
  commAllow?: string[];
  commDeny?: string[];
  cgroupAllow?: number[];
  cgroupDeny?: number[];
}

export interface ProfilerStats {
  /** samples and off-CPU intervals the addon took from the ring buffer */
  samples: number;
  /** samples the kernel side could not store (ring buffer full, task storage failed) */
  lost: number;
  reports: number;
  /** CPUs with a sampling perf event */
  cpus: number;
  /** the kernel programs' runs and run time (counted while kernel.bpf_stats_enabled is 1) */
  onCpu?: { runs: number; runTimeNs: number };
  onSwitch?: { runs: number; runTimeNs: number };
}

interface NativeSession {
  stop(): Promise<void>;
  stats(): ProfilerStats;
}

type NativeReportHandler = (records: ArrayBuffer, count: number, startNs: bigint, endNs: bigint) => void;

interface ProfilerAddon {
  ProfilerSession: new (options: ProfilerSessionOptions, onReport: NativeReportHandler) => NativeSession;
  profileRecordLayout: ProfileRecordLayout;
}

export class ProfilerSession {
  readonly symbolizer = new Symbolizer();
  private readonly native: NativeSession;
  private lastStats: ProfilerStats = { samples: 0, lost: 0, reports: 0, cpus: 0 };

  /** Loads and attaches; throws CaptureUnavailableError when the kernel side cannot start. */
  constructor(
    options: ProfilerSessionOptions,
    onReport: (report: ProfileReport) => void,
    onError: (err: unknown, records: number) => void,
  ) {
    const addon = loadAddon() as unknown as ProfilerAddon;
    const layout = addon.profileRecordLayout;
    const handler: NativeReportHandler = (records, count, startNs, endNs) => {
      // an exception must not reach the addon's callback: Node would treat it as uncaught
      try {
        onReport({
          startUnixNano: startNs,
          endUnixNano: endNs,
          samples: decodeReport(layout, records, count, this.symbolizer),
        });
      } catch (err) {
        onError(err, count);
      }
    };
    try {
      this.native = new addon.ProfilerSession(options, handler);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') throw new CaptureUnavailableError(code, (err as Error).message);
      throw err;
    }
  }

  stats(): ProfilerStats {
    this.lastStats = this.native.stats();
    return this.lastStats;
  }

  /** Detaches, reports what was sampled since the last report, then resolves. */
  async stop(): Promise<void> {
    this.stats();
    await this.native.stop();
  }
}
