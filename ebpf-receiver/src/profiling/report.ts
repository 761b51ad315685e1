// A report of the addon (aggregated records, bpf/profiler.h struct profile_record, each
// followed by its user then kernel frames) decoded and symbolized: the profiler's own model,
// which profiles.ts turns into the OTLP profiles signal.
import type { Frame, Symbolizer } from './symbols.ts';

export interface ProfileRecordLayout {
  count: number;
  total_ns: number;
  cgroup_id: number;
  pid: number;
  tid: number;
  user_depth: number;
  kernel_depth: number;
  kind: number;
  comm: number;
  header_size: number;
  comm_length: number;
  on_cpu: number;
  off_cpu: number;
}

export type SampleKind = 'on_cpu' | 'off_cpu';

export interface StackSample {
  kind: SampleKind;
  pid: number;
  tid: number;
  /** the process's name as the kernel keeps it */
  comm: string;
  cgroupId: bigint;
  /** on-CPU: samples; off-CPU: switched-out intervals */
  count: number;
  /** off-CPU: nanoseconds switched out in all; on-CPU: 0 (count x period) */
  totalNs: bigint;
  /** innermost first: kernel frames, then user frames */
  frames: Frame[];
}

export interface ProfileReport {
  startUnixNano: bigint;
  endUnixNano: bigint;
  samples: StackSample[];
}

export function decodeReport(
  layout: ProfileRecordLayout,
  records: ArrayBuffer,
  count: number,
  symbolizer: Symbolizer,
): StackSample[] {
  const view = new DataView(records);
  const bytes = new Uint8Array(records);
  const out: StackSample[] = [];
  symbolizer.nextReport();
  let at = 0;
  for (let i = 0; i < count; i++) {
    const userDepth = view.getUint16(at + layout.user_depth, true);
    const kernelDepth = view.getUint16(at + layout.kernel_depth, true);
    const pid = view.getUint32(at + layout.pid, true);
    let end = at + layout.comm;
    while (end < at + layout.comm + layout.comm_length && bytes[end] !== 0) end++;
    const framesAt = at + layout.header_size;
    const user: number[] = [];
    // user addresses are below 2^47: a double holds them exactly
    for (let f = 0; f < userDepth; f++)
      user.push(view.getUint32(framesAt + 8 * f, true) + view.getUint32(framesAt + 8 * f + 4, true) * 2 ** 32);
    const kernel: bigint[] = [];
    for (let f = 0; f < kernelDepth; f++) kernel.push(view.getBigUint64(framesAt + 8 * (userDepth + f), true));
    out.push({
      kind: view.getUint8(at + layout.kind) === layout.off_cpu ? 'off_cpu' : 'on_cpu',
      pid,
      tid: view.getUint32(at + layout.tid, true),
      comm: Buffer.from(records, at + layout.comm, end - at - layout.comm).toString('utf8'),
      cgroupId: view.getBigUint64(at + layout.cgroup_id, true),
      count: Number(view.getBigUint64(at + layout.count, true)),
      totalNs: view.getBigUint64(at + layout.total_ns, true),
      frames: [...symbolizer.kernelFrames(kernel), ...symbolizer.userFrames(pid, user)],
    });
    at = framesAt + 8 * (userDepth + kernelDepth);
  }
  return out;
}
