// A symbolized report as OTLP profiles: resources per process, one profile per kind, frames as
// locations (unnamed ones keep mapping and offset), values per kind; and the receiver's config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProfiles, encodeProfiles, sampleTypeName, stackFrames } from '@flowtel/pdata';
import { configSchema } from '../src/profiling/config.ts';
import { reportToProfiles } from '../src/profiling/profiles.ts';
import type { Frame } from '../src/profiling/symbols.ts';

const exe = (name: string | undefined, address: bigint): Frame => ({
  name,
  mapping: '/usr/bin/split',
  mappingStart: 0x400000n,
  mappingEnd: 0x402000n,
  mappingOffset: 0x1000n,
  fileOffset: address - 0x400000n + 0x1000n,
  address,
  buildId: 'ab12',
});
const kernel = (name: string): Frame => ({
  name,
  mapping: '[kernel]',
  mappingStart: 0n,
  mappingEnd: 0n,
  mappingOffset: 0n,
  fileOffset: 0n,
  address: 0xffffffff81000000n,
});

test('a report becomes one profile per process and kind, stacks leaf first', () => {
  const hot = exe('hot_a', 0x400100n);
  const main = exe('main', 0x400200n);
  const { profiles, samples } = reportToProfiles(
    {
      startUnixNano: 1_000_000_000n,
      endUnixNano: 6_000_000_000n,
      samples: [
        { kind: 'on_cpu', pid: 42, tid: 43, comm: 'split', cgroupId: 1n, count: 30, totalNs: 0n, frames: [hot, main] },
        {
          kind: 'on_cpu',
          pid: 42,
          tid: 43,
          comm: 'split',
          cgroupId: 1n,
          count: 10,
          totalNs: 0n,
          frames: [exe(undefined, 0x400abcn), main],
        },
        {
          kind: 'off_cpu',
          pid: 42,
          tid: 44,
          comm: 'split',
          cgroupId: 1n,
          count: 3,
          totalNs: 60_000_000n,
          frames: [kernel('schedule'), main],
        },
      ],
    },
    20,
    () => ({ executablePath: '/usr/bin/split' }),
  );
  assert.equal(samples, 3);
  // through the wire and back: what an exporter sends
  const back = decodeProfiles(encodeProfiles(profiles));
  const d = back.dictionary;
  assert.equal(back.resourceProfiles.length, 1);
  const rp = back.resourceProfiles[0];
  const attrs = Object.fromEntries(
    rp.resource.attributes.map((a) => [
      a.key,
      'stringValue' in a.value ? a.value.stringValue : 'intValue' in a.value ? a.value.intValue : undefined,
    ]),
  );
  assert.deepEqual(attrs, {
    'process.pid': 42n,
    'process.executable.name': 'split',
    'process.executable.path': '/usr/bin/split',
  });
  const [onCpu, offCpu] = rp.scopeProfiles[0].profiles;
  assert.equal(sampleTypeName(d, onCpu), 'samples/count');
  assert.equal(onCpu.period, 50_000_000n);
  assert.equal(onCpu.durationNano, 5_000_000_000n);
  assert.deepEqual(
    onCpu.samples.map((s) => [stackFrames(d, s.stackIndex), s.values]),
    [
      [['hot_a', 'main'], [30n]],
      // no name: the mapping's file and the offset in it
      [['split+0x1abc', 'main'], [10n]],
    ],
  );
  assert.equal(sampleTypeName(d, offCpu), 'off_cpu/nanoseconds');
  assert.deepEqual(stackFrames(d, offCpu.samples[0].stackIndex), ['schedule', 'main']);
  assert.deepEqual(offCpu.samples[0].values, [60_000_000n]);
  const thread = d.attributeTable[offCpu.samples[0].attributeIndices[0]];
  assert.equal(d.stringTable[thread.keyStrindex], 'thread.id');
  assert.deepEqual(thread.value, { intValue: 44n });
});

test('config: the OTel eBPF profiler defaults, and its keys flowtel does not do are refused by name', () => {
  const c = configSchema.parse({});
  assert.equal(c.samples_per_second, 20);
  assert.equal(c.reporter_interval, 5000);
  assert.equal(c.off_cpu_threshold, 0);
  assert.equal(c.off_cpu_min_duration, 1);
  const bad = configSchema.safeParse({ tracers: 'python' });
  assert.equal(bad.success, false);
  assert.match(
    bad.error!.issues[0].message,
    /tracers is a key of the OpenTelemetry eBPF profiler that flowtel does not support/,
  );
  assert.equal(configSchema.safeParse({ off_cpu_threshold: 2 }).success, false);
  assert.equal(configSchema.safeParse({ filters: { cgroups: { allow: ['system.slice'] } } }).success, false);
});
