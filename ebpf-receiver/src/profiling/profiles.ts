// A symbolized report as the OTLP profiles signal: one profile per process and kind (on-CPU
// samples, off-CPU nanoseconds), the process as the resource, the thread as a sample attribute,
// frames as locations in one dictionary per report.
import { ProfilesBuilder, type KeyValue, type Profiles } from '@flowtel/pdata';
import type { ProfileReport, StackSample } from './report.ts';
import type { Frame } from './symbols.ts';

export const SCOPE_NAME = 'flowtel/profiling';

export interface ProcessInfo {
  executablePath?: string;
  containerId?: string;
}

export function reportToProfiles(
  report: ProfileReport,
  samplesPerSecond: number,
  processInfo: (pid: number) => ProcessInfo,
): { profiles: Profiles; samples: number } {
  const b = new ProfilesBuilder();
  const locations = new Map<Frame, number>();
  const location = (frame: Frame): number => {
    let index = locations.get(frame);
    if (index === undefined) {
      const kernel = frame.mapping === '[kernel]';
      const attributes = [];
      if (frame.buildId) attributes.push(b.attribute('process.executable.build_id.gnu', frame.buildId));
      const mapping = b.mapping({
        memoryStart: frame.mappingStart,
        memoryLimit: frame.mappingEnd,
        fileOffset: frame.mappingOffset,
        filename: kernel ? '[kernel.kallsyms]' : frame.mapping,
        attributes,
      });
      const type = kernel ? 'kernel' : frame.mapping === '[jit]' ? 'jit' : 'native';
      index = b.location({
        mapping,
        address: frame.address,
        lines: frame.name === undefined ? [] : [{ function: b.function({ name: frame.name }) }],
        attributes: [b.attribute('profile.frame.type', type)],
      });
      locations.set(frame, index);
    }
    return index;
  };
  const duration = report.endUnixNano - report.startUnixNano;
  const groups = new Map<string, StackSample[]>();
  for (const s of report.samples) {
    const key = `${s.pid}/${s.kind}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(s);
  }
  let samples = 0;
  for (const list of groups.values()) {
    const { pid, comm, kind } = list[0];
    const info = processInfo(pid);
    const resource: KeyValue[] = [
      { key: 'process.pid', value: { intValue: BigInt(pid) } },
      { key: 'process.executable.name', value: { stringValue: comm } },
    ];
    if (info.executablePath)
      resource.push({ key: 'process.executable.path', value: { stringValue: info.executablePath } });
    if (info.containerId) resource.push({ key: 'container.id', value: { stringValue: info.containerId } });
    const profile = b.profile({
      resource,
      scope: { name: SCOPE_NAME, version: '', attributes: [], droppedAttributesCount: 0 },
      ...(kind === 'on_cpu'
        ? {
            sampleType: { type: 'samples', unit: 'count' },
            periodType: { type: 'cpu', unit: 'nanoseconds' },
            period: BigInt(Math.round(1e9 / samplesPerSecond)),
          }
        : {
            sampleType: { type: 'off_cpu', unit: 'nanoseconds' },
            periodType: { type: 'off_cpu', unit: 'nanoseconds' },
          }),
      timeUnixNano: report.startUnixNano,
      durationNano: duration,
    });
    for (const s of list) {
      profile.addSample({
        stack: s.frames.map(location),
        values: [kind === 'on_cpu' ? BigInt(s.count) : s.totalNs],
        attributes: [b.attribute('thread.id', BigInt(s.tid))],
      });
      samples++;
    }
  }
  return { profiles: b.build(), samples };
}
