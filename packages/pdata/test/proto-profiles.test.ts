import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeError,
  decodeProfiles,
  encodeProfiles,
  encodeProfilesJson,
  profileSampleCount,
  ProfilesBuilder,
  profilesFromJson,
  profilesToJson,
  sampleTypeName,
  stackFrames,
  type Profiles,
} from '../src/index.ts';
// the official profiles .proto (v1.11.0) as testkit keeps it; a file import, not a package
// dependency (testkit depends on core, which depends on pdata)
import { profilesProtoTypes } from '../../testkit/src/otlp-profiles-proto.ts';
import { normalize, pbjsDecode } from './support/pbjs.ts';

const { request: RequestType } = profilesProtoTypes();
const TRACE = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);

/** A CPU profile of a C program: main → work → hot (3 samples), main → work → cold (1), and a kernel frame without a name. */
function cpuProfile(): Profiles {
  const b = new ProfilesBuilder();
  const exe = b.mapping({
    memoryStart: 0x400000n,
    memoryLimit: 0x401000n,
    fileOffset: 0n,
    filename: '/usr/bin/burn',
    attributes: [b.attribute('process.executable.build_id.gnu', 'ab12cd')],
  });
  const fn = (name: string) => b.function({ name, filename: 'burn.c' });
  const at = (name: string, address: bigint, line: bigint) =>
    b.location({ mapping: exe, address, lines: [{ function: fn(name), line }] });
  const main = at('main', 0x400100n, 30n);
  const work = at('work', 0x400200n, 20n);
  const hot = at('hot', 0x400300n, 10n);
  const cold = at('cold', 0x400400n, 5n);
  const kernel = b.location({
    mapping: b.mapping({ filename: '[kernel.kallsyms]', memoryStart: 0n }),
    address: 0xffffffff81000010n,
  });
  const p = b.profile({
    resource: [{ key: 'service.name', value: { stringValue: 'burn' } }],
    scope: { name: 'flowtel.ebpf.profiler', version: '1', attributes: [], droppedAttributesCount: 0 },
    sampleType: { type: 'samples', unit: 'count' },
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_101_010n,
    timeUnixNano: 1_800_000_000_000_000_000n,
    durationNano: 5_000_000_000n,
    profileId: Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + (i % 16)),
    attributes: [b.attribute('profile.frame.type', 'native')],
  });
  p.addSample({ stack: [hot, work, main], values: [3n], attributes: [b.attribute('thread.id', 42n)] });
  p.addSample({
    stack: [kernel, cold, work, main],
    values: [1n],
    link: b.link(TRACE, SPAN),
    timestampsUnixNano: [1_800_000_000_500_000_000n],
  });
  return b.build();
}

test('profiles: the builder interns: index 0 of every table is the zero value, equal entries share an index', () => {
  const data = cpuProfile();
  const d = data.dictionary;
  assert.equal(d.stringTable[0], '');
  for (const table of [d.mappingTable, d.locationTable, d.functionTable, d.linkTable, d.attributeTable, d.stackTable])
    assert.ok(table.length >= 2, 'entry 0 plus the real ones');
  assert.deepEqual(d.stackTable[0], { locationIndices: [] });
  assert.deepEqual(d.linkTable[0], { traceId: new Uint8Array(16), spanId: new Uint8Array(8) });
  assert.equal(new Set(d.stringTable).size, d.stringTable.length, 'no string twice');
  assert.equal(d.functionTable.length, 1 + 4);
  const profile = data.resourceProfiles[0].scopeProfiles[0].profiles[0];
  assert.equal(sampleTypeName(d, profile), 'samples/count');
  assert.deepEqual(stackFrames(d, profile.samples[0].stackIndex), ['hot', 'work', 'main']);
  assert.deepEqual(stackFrames(d, profile.samples[1].stackIndex), [
    '[kernel.kallsyms]+0xffffffff81000010',
    'cold',
    'work',
    'main',
  ]);
  assert.equal(profileSampleCount(data), 2);
});

test('profiles: protobufjs with the official profiles.proto reads our bytes as we wrote them', () => {
  const model = cpuProfile();
  const theirs = pbjsDecode(RequestType, encodeProfiles(model)) as Record<string, unknown>;
  assert.deepEqual(normalize(theirs), normalize(model));
  // entry 0 of each table is on the wire even though it is all defaults
  const dict = theirs.dictionary as Record<string, unknown[]>;
  assert.equal(dict.stringTable[0], '');
  assert.equal(dict.stackTable.length, model.dictionary.stackTable.length);
  assert.equal(dict.mappingTable.length, model.dictionary.mappingTable.length);
});

test('profiles: we read what protobufjs encodes from the official profiles.proto, field by field', () => {
  // written as a producer of other people would: plain object, proto field names, longs as strings
  const message = RequestType.fromObject({
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'box' } }] },
        scopeProfiles: [
          {
            scope: { name: 'pyroscope' },
            profiles: [
              {
                sampleType: { typeStrindex: 1, unitStrindex: 2 },
                periodType: { typeStrindex: 3, unitStrindex: 2 },
                period: '1000000',
                timeUnixNano: '1800000000000000001',
                durationNano: '10000000000',
                samples: [
                  {
                    stackIndex: 1,
                    values: ['-5', '9223372036854775807'],
                    timestampsUnixNano: ['18446744073709551615'],
                  },
                  { stackIndex: 2, values: ['7'], linkIndex: 1, attributeIndices: [1] },
                ],
                originalPayloadFormat: 'pprof',
                originalPayload: Buffer.from([1, 2, 3]),
              },
            ],
          },
        ],
      },
    ],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', 'wall', 'a.out', 'f', 'g', 'k'],
      mappingTable: [{}, { memoryStart: '4096', memoryLimit: '8192', filenameStrindex: 4 }],
      functionTable: [{}, { nameStrindex: 5, startLine: '3' }, { nameStrindex: 6 }],
      locationTable: [
        {},
        { mappingIndex: 1, address: '4100', lines: [{ functionIndex: 1, line: '12', column: '4' }] },
        // g inlined into f
        {
          mappingIndex: 1,
          address: '4200',
          lines: [
            { functionIndex: 2, line: '40' },
            { functionIndex: 1, line: '13' },
          ],
        },
      ],
      stackTable: [{}, { locationIndices: [1] }, { locationIndices: [2] }],
      linkTable: [{}, { traceId: Buffer.from(TRACE), spanId: Buffer.from(SPAN) }],
      attributeTable: [{}, { keyStrindex: 7, value: { intValue: '12' }, unitStrindex: 2 }],
    },
  });
  const ours = decodeProfiles(RequestType.encode(message).finish());
  const d = ours.dictionary;
  const p = ours.resourceProfiles[0].scopeProfiles[0].profiles[0];
  assert.equal(ours.resourceProfiles[0].scopeProfiles[0].scope.name, 'pyroscope');
  assert.equal(sampleTypeName(d, p), 'cpu/nanoseconds');
  assert.equal(p.period, 1_000_000n);
  assert.equal(p.timeUnixNano, 1_800_000_000_000_000_001n);
  assert.equal(p.durationNano, 10_000_000_000n);
  assert.deepEqual(p.samples[0].values, [-5n, 9223372036854775807n]);
  assert.deepEqual(p.samples[0].timestampsUnixNano, [18446744073709551615n]);
  assert.deepEqual(p.samples[1].attributeIndices, [1]);
  assert.deepEqual(d.attributeTable[1], { keyStrindex: 7, value: { intValue: 12n }, unitStrindex: 2 });
  assert.deepEqual(stackFrames(d, 1), ['f']);
  assert.deepEqual(stackFrames(d, 2), ['g', 'f'], 'inlined function first, its caller last');
  assert.deepEqual(d.locationTable[1].lines[0], { functionIndex: 1, line: 12n, column: 4n });
  assert.deepEqual(d.linkTable[1], { traceId: TRACE, spanId: SPAN });
  assert.equal(p.originalPayloadFormat, 'pprof');
  assert.deepEqual([...p.originalPayload], [1, 2, 3]);
  // and what we write of it protobufjs reads back as the same message
  assert.deepEqual(normalize(pbjsDecode(RequestType, encodeProfiles(ours))), normalize(RequestType.toObject(message)));
});

test('profiles: OTLP/JSON as the collector writes it (camelCase, 64-bit integers as strings, ids as hex) and back', () => {
  const model = cpuProfile();
  const json = JSON.parse(profilesToJson(model)) as Record<string, any>;
  const profile = json.resourceProfiles[0].scopeProfiles[0].profiles[0];
  assert.equal(profile.period, '10101010');
  assert.equal(profile.timeUnixNano, '1800000000000000000');
  assert.equal(profile.profileId, 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  assert.deepEqual(profile.samples[0].values, ['3']);
  assert.equal(json.dictionary.stringTable[0], '');
  assert.deepEqual(json.dictionary.stackTable[0], {}, 'entry 0 written as an empty object');
  assert.equal(json.dictionary.linkTable[1].traceId, Buffer.from(TRACE).toString('hex'));
  assert.equal(json.dictionary.mappingTable[1].memoryStart, String(0x400000));
  assert.deepEqual(profilesFromJson(profilesToJson(model)), model);
  assert.deepEqual(profilesFromJson(Buffer.from(encodeProfilesJson(model)).toString()), model);
  // snake_case and plain numbers are taken on input, as for the other signals
  const snake = profilesFromJson({
    resource_profiles: [
      {
        scope_profiles: [
          { profiles: [{ sample_type: { type_strindex: 1 }, samples: [{ stack_index: 1, values: [2] }] }] },
        ],
      },
    ],
    dictionary: { string_table: ['', 'x'], stack_table: [{}, { location_indices: [0] }] },
  });
  assert.equal(snake.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[0].values[0], 2n);
  assert.deepEqual(snake.dictionary.stackTable[1].locationIndices, [0]);
});

test('profiles: a request without a dictionary decodes to empty tables; bad input is a DecodeError', () => {
  const empty = decodeProfiles(new Uint8Array(0));
  assert.deepEqual(empty.resourceProfiles, []);
  assert.deepEqual(empty.dictionary.stringTable, []);
  const bytes = encodeProfiles(cpuProfile());
  assert.throws(() => decodeProfiles(bytes.subarray(0, bytes.length - 3)), DecodeError);
  assert.throws(() => profilesFromJson('{"dictionary":{"stringTable":[1]}}'), DecodeError);
  assert.throws(() => profilesFromJson({ dictionary: { linkTable: [{ traceId: 'abc' }] } }), DecodeError);
});

test('profiles: two requests joined through the builder keep every frame and value under one dictionary', () => {
  const a = cpuProfile();
  const other = new ProfilesBuilder();
  const f = other.location({ lines: [{ function: other.function({ name: 'hot' }) }] });
  other
    .profile({
      resource: [{ key: 'service.name', value: { stringValue: 'other' } }],
      sampleType: { type: 'samples', unit: 'count' },
    })
    .addSample({ stack: [f], values: [2n] });
  const joined = new ProfilesBuilder().add(a).add(other.build()).build();
  assert.equal(joined.resourceProfiles.length, 2);
  assert.equal(profileSampleCount(joined), 3);
  const frames = joined.resourceProfiles.flatMap((rp) =>
    rp.scopeProfiles.flatMap((sp) =>
      sp.profiles.flatMap((p) =>
        p.samples.map((s) => `${stackFrames(joined.dictionary, s.stackIndex).join(';')} ${s.values.join(',')}`),
      ),
    ),
  );
  assert.deepEqual(frames, ['hot;work;main 3', '[kernel.kallsyms]+0xffffffff81000010;cold;work;main 1', 'hot 2']);
  const d = joined.dictionary;
  assert.equal(d.stringTable.filter((s) => s === 'hot').length, 1, 'strings shared across the joined requests');
  const linked = joined.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[1];
  assert.deepEqual(d.linkTable[linked.linkIndex], { traceId: TRACE, spanId: SPAN });
  assert.deepEqual(decodeProfiles(encodeProfiles(joined)), joined);
});
