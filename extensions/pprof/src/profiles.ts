// V8's profiles (the inspector's Profiler and sampling HeapProfiler) as pprof Profile messages,
// the format Go's runtime/pprof writes and `go tool pprof` and Pyroscope read.
import type { Profiler } from 'node:inspector';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

interface Frame {
  functionName: string;
  url: string;
  /** 0-based, -1 when unknown */
  lineNumber: number;
}

/** Builds the function and location tables: one location per V8 node, one function per frame. */
class Tables {
  readonly strings = new StringTable();
  readonly functions: PFunction[] = [];
  readonly locations: Location[] = [];
  private readonly functionIds = new Map<string, number>();

  location(id: number, frame: Frame): void {
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\0${frame.url}\0${frame.lineNumber}`;
    let functionId = this.functionIds.get(key);
    if (functionId === undefined) {
      functionId = this.functions.length + 1;
      this.functionIds.set(key, functionId);
      this.functions.push(
        new PFunction({
          id: functionId,
          name: this.strings.dedup(name),
          systemName: this.strings.dedup(name),
          filename: this.strings.dedup(frame.url),
          startLine: frame.lineNumber + 1,
        }),
      );
    }
    this.locations.push(new Location({ id, line: [new Line({ functionId, line: frame.lineNumber + 1 })] }));
  }

  valueType(type: string, unit: string): ValueType {
    return new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
  }
}

/** V8's SamplingHeapProfile (Node's typings lack the node ids and samples V8 sends). */
export interface HeapProfileNode {
  id: number;
  callFrame: Frame;
  selfSize: number;
  children: HeapProfileNode[];
}
export interface HeapProfile {
  head: HeapProfileNode;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

/** V8 names for time the thread spent outside JS code that is not CPU time of the process */
const NOT_CPU = new Set(['(idle)']);

/**
 * A CPU profile: sample types samples/count and cpu/nanoseconds as Go's, each sample one
 * V8 tick (`periodNanos` apart) with its stack, leaf first. Idle ticks are left out: Go's
 * profile counts only time on CPU.
 */
export function cpuProfileToPprof(profile: Profiler.Profile, periodNanos: number, endWallMs = Date.now()): Profile {
  const durationNanos = BigInt(Math.round(profile.endTime - profile.startTime)) * 1000n;
  const t = new Tables();
  const parent = new Map<number, number>();
  const byId = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const root = profile.nodes[0]?.id;
  for (const node of profile.nodes) if (node.id !== root) t.location(node.id, node.callFrame);
  const counts = new Map<number, number>();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const samples: Sample[] = [];
  for (const [id, count] of counts) {
    const node = byId.get(id);
    if (!node || id === root || NOT_CPU.has(node.callFrame.functionName)) continue;
    const stack: number[] = [];
    for (let at: number | undefined = id; at !== undefined && at !== root; at = parent.get(at)) stack.push(at);
    samples.push(new Sample({ locationId: stack, value: [count, count * periodNanos] }));
  }
  const periodType = t.valueType('cpu', 'nanoseconds');
  return new Profile({
    sampleType: [t.valueType('samples', 'count'), periodType],
    sample: samples,
    location: t.locations,
    function: t.functions,
    stringTable: t.strings,
    // V8's startTime and endTime are microseconds of a monotonic clock, not of the epoch: the
    // wall time it began is the end's (now, the profile just stopped) less its duration
    timeNanos: BigInt(endWallMs) * 1_000_000n - durationNanos,
    durationNanos,
    periodType,
    period: periodNanos,
  });
}

/**
 * The sampling heap profile (objects allocated and still live) as Go's heap profile's
 * inuse_objects/count and inuse_space/bytes, each sample unsampled as Go's runtime does for
 * its own sampling rate: a sample of `size` bytes at rate R stands for 1 / (1 - e^(-size/R))
 * allocations.
 */
export function heapProfileToPprof(profile: HeapProfile, intervalBytes: number): Profile {
  const t = new Tables();
  const parent = new Map<number, number>();
  const walk = (node: HeapProfileNode, up?: number) => {
    if (up !== undefined) {
      parent.set(node.id, up);
      t.location(node.id, node.callFrame);
    }
    for (const child of node.children) walk(child, node.id);
  };
  walk(profile.head);
  const root = profile.head.id;
  const totals = new Map<number, { objects: number; bytes: number }>();
  for (const s of profile.samples) {
    const scale = 1 / (1 - Math.exp(-s.size / intervalBytes));
    const at = totals.get(s.nodeId) ?? { objects: 0, bytes: 0 };
    at.objects += scale;
    at.bytes += s.size * scale;
    totals.set(s.nodeId, at);
  }
  const samples: Sample[] = [];
  for (const [id, v] of totals) {
    const stack: number[] = [];
    for (let at: number | undefined = id; at !== undefined && at !== root; at = parent.get(at)) stack.push(at);
    samples.push(new Sample({ locationId: stack, value: [Math.round(v.objects), Math.round(v.bytes)] }));
  }
  const periodType = t.valueType('space', 'bytes');
  return new Profile({
    sampleType: [t.valueType('inuse_objects', 'count'), t.valueType('inuse_space', 'bytes')],
    sample: samples,
    location: t.locations,
    function: t.functions,
    stringTable: t.strings,
    timeNanos: BigInt(Date.now()) * 1_000_000n,
    periodType,
    period: intervalBytes,
  });
}
