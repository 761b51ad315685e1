// The probabilistic_sampler on spans against otelcol-contrib's own tests: TestHashingFunction's
// 100 decisions of the hash_seed mode (seed, trace id, sampled at 50%),
// Test_tracesamplerprocessor_TraceState's table for the equalizing and proportional modes (the
// tracestate each sampled span leaves with), _TraceStateErrors, _HashSeedTraceState and the
// sampling.priority cases, with the outcomes those tests state; and the README's tracestate
// examples (25% is `ot=th:c`; rv 9b8233f7e3a151 at 50% gives `ot=th:8;rv:...`).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { factory } from '../src/index.ts';
import { goConfig, sampleSpan, tid } from './helpers.ts';

// contrib's TestHashingFunction: [seed, trace id, sampled at 50%]
const HASHED_50_PCT: [number, string, boolean][] = [
  [653, '474a03c76d75951a4b4c537ced8f1122', true],
  [563, '53a518291e91307e43cd8467bb06f986', true],
  [142, 'a56a02f843b9bc6ee0b13889249e90e6', true],
  [904, '4e40762d3ee97a1c0932e4fa584f89a8', false],
  [445, '5224507db93db513f0ea2a4b4e0578c8', true],
  [38, '0c8717ced36216037af657e9d7f8b35b', true],
  [561, '2a8aa76c18d08e1e8be935541f9318c7', false],
  [757, '9e3d0f9481dc422cb613ea550897ae71', false],
  [22, '66a66c516ac22054673e5da5e6492545', false],
  [172, '84a1ce7bcea3e66194e72b4aa2694e31', true],
  [552, 'a811a7def34ca4b98d8e320afd115fad', false],
  [546, 'e3a345cc8dbb6f014bfa1edad3981820', true],
  [315, 'a71effb50e28d27cbdc9892f3765b8c2', false],
  [510, '55ee665a3fa22f8ea1b744ce15a7339d', false],
  [230, '7a5006be4d0ce7b542d59f83cd6f1c41', false],
  [544, '825b8fb9cfd45867794f4cd8a5a699bd', false],
  [790, '7629ecbea89398bfd9752a2f51c2c137', true],
  [555, 'de6cdfb44d69e211f886c57120d7bda0', true],
  [147, 'a8a5c3bb9205883fae17ead6675b2450', false],
  [238, '937e6cb3332dbe87062fa3997f48f425', false],
  [122, '5a357e150995e005847816c431ba502d', false],
  [963, '20cb3dcebe2cf8abe6102f4a2e548245', false],
  [141, '1b0afbd09abaaf7996cd26f8f6533795', false],
  [666, '3ee60b013303bcfda06be89071b90bd1', true],
  [305, 'c90c7cf3471bbc3a804a8a831633705b', true],
  [270, '18dda74dfca45a7b0261510f385fb4de', true],
  [381, '600cf70c7bb4918e54aefd78c84f3996', true],
  [35, '855f493c5b5b1e2fcbc9993f8061eac8', false],
  [839, '89bc498feb21d969cf0eabf916aa621a', false],
  [561, '0a0af00f63e098a39883705a423b0aa8', true],
  [667, '0c38553d71f54dfc37155c22cc8bf243', false],
  [603, '49493809d1a49ea879e6aba37afde958', true],
  [92, 'eb60d98b8f8fe22d8970f44f0e2b6bad', true],
  [70, '19c386ee7a9f2d56ff9ab2e6374540af', false],
  [567, '2a033c15405f1c7a311f653719ed47b7', false],
  [936, '62dda24e4be24f5198e4d8dd4010c811', true],
  [210, 'bb134e26ee92e282e29cabdb1d00d333', true],
  [835, '6c77db08bbded7bdd5c99c6e2fea41d2', false],
  [864, '99f6a7e7b50845b4fb64b7c2ee49f53c', true],
  [775, 'e908cb91224bee8fd4b5f3632f65717f', true],
  [687, '45a5ace7234d92d9983b4f3858bc0b8e', false],
  [761, '8c8a25d232fd4d3a37a5f70ccb82d752', false],
  [400, '54156d7434a894ef07f2a80dbf0f1138', true],
  [741, '67e3bfb02b0526dbb79420468d7b83dd', false],
  [871, 'f6ea221283dcb42f89bfb15fa33398d2', false],
  [244, 'b663ca45004decf8123a19fb5d7f7115', true],
  [885, 'd0e299d54d6dc6469276fd4e48301d73', true],
  [607, '03240c2748aa67a185909a9345d84aba', false],
  [434, 'b00de72ba67e6fe0ed661decac911f7e', true],
  [889, '20fff68a7cc715b30e4e6d69d53e0f60', false],
  [810, '6bf2bb105e594f6220803da5253551af', false],
  [494, '54fbb1d3ebe3883b0a01bbf2c9a2bf3e', true],
  [413, 'a8a2ecba129d8537e360cf54de9d7460', false],
  [215, '2df034262b775136f2a313fdcc09738a', true],
  [557, 'e3c1b943d9c1199d1108a69aa32a4587', false],
  [662, '1975d5f5640bac1064d53c2c21e02aae', false],
  [482, '6e4f16727dec3c09539b5f50d35d2c13', false],
  [223, '63a088446ef0ed60a9cace4698ede026', false],
  [261, '9b662cd6f67a4e3d1f904b4c5d4275b1', true],
  [112, 'a2db788dbadc402b8c466b93b8749a6c', true],
  [6, 'd6a68b47c66d1f94eed46b8ddc72faf4', false],
  [575, 'e8a83c42f4515568d0942ec4472c9d2c', true],
  [568, '030e14c2954e3f08134b355f33414ba9', false],
  [965, '022315846d42a38322d6fd26250444b3', true],
  [512, 'b3ba1ed226288dede87ac1f2ba88de2b', true],
  [108, 'c57d0dcf43d5b154ef04c7953c94cd12', true],
  [248, 'a835fe521d9cbfcfb724b603f87c7403', false],
  [46, 'eda867e6df95e74abefac336c7f4cd1a', false],
  [879, '09e9e67a261ea3e00d817105b57ffd4e', false],
  [853, '6a780cf250cb3d2b699394042e6723a8', false],
  [639, '4c99d7f14c66b3123caf57980f8e2a31', false],
  [111, '79dc8d7a54bc3e8ef513b9cd8d830564', true],
  [135, '9c2e5d9d713e5219b0f9e5b884835e69', false],
  [209, '3ccb300bf7b983229979e0c46db267b0', true],
  [629, '0bb7b9da64da250c3934bb39130dc990', true],
  [910, 'b25713ca4cea377871eaa334bc2dd382', true],
  [667, '69afc041003851cec60f41db97e005a9', true],
  [449, 'c844b5428abe0cf82eaf02566781870a', true],
  [16, '2533c732bed8c1ba4721c25a1205f06c', false],
  [936, 'ecc770b4be885dfc8d6fa135bc2c93bb', true],
  [595, '63b67cbb42de52e9916241ad94fcd5e8', true],
  [83, 'fc4998bc53ccd42a5b8e7c86a93d4c88', false],
  [878, '59f0677dffe1a0a8c5895cb263e3a019', false],
  [206, 'eb897eff9e7c7363e063b340a0c6b315', true],
  [710, '89e4c7e6af305be6cd139abcae953db5', true],
  [650, '97563d45ee254231e1ace05fb746bcce', false],
  [233, '3f580864f295ff13f179c3c907032ea9', true],
  [836, 'e9b78e03706265a6936bff2a41530104', false],
  [568, 'c458603ee921fa8711085c15b871b245', false],
  [816, '4bbfffab5b5975c1b007ebc518bf416d', false],
  [397, '61a1a65746287d78a431c6848ed1ffb3', false],
  [847, '53eee02f4672a72e93369b2c2ecf36eb', false],
  [354, '6ea23c3068a2c304488c8e67a072db97', false],
  [961, 'eed247645e510ded87bd9afcf1d3e237', false],
  [799, '092af4ff2fdea5bb1c708b2169bdfd95', false],
  [99, '497f02db51c898ac441aae18a8b7ced9', false],
  [773, '988481445600bb91bbe23e3103034bcd', true],
  [928, 'f1813835ac0f456721ef3aac39c0269a', true],
  [235, '1999920085682c007eb3a6984d2a7f05', true],
  [460, '60c3b9a2dde734d71ba5cca7eb164bce', true],
];

test('hash_seed: the same 100 decisions as otelcol (contrib TestHashingFunction)', () => {
  assert.equal(HASHED_50_PCT.length, 100);
  for (const [seed, id, sampled] of HASHED_50_PCT) {
    const span = sampleSpan(goConfig({ hash_seed: seed, sampling_percentage: 50 }), tid(id));
    assert.equal(span !== undefined, sampled, `seed ${seed} trace ${id}`);
  }
});

test('hash_seed: a sampled span carries its rv and the mode’s 14-bit threshold (contrib HashSeedTraceState)', () => {
  const cases: [number, string][] = [
    [100, '0'],
    [75, '4'],
    [50, '8'],
    [25, 'c'],
    [10, 'e668'], // 14-bit rounding: e668, not e666
    [100 / 3, 'aaac'], // aaac, not aaab
  ];
  for (const [pct, th] of cases) {
    let found = 0;
    for (let i = 1; found < 10; i++) {
      // trace ids that vary in every byte
      const id = createHash('sha256').update(`${pct}:${i}`).digest().subarray(0, 16);
      const span = sampleSpan(
        goConfig({ sampling_percentage: pct, mode: 'hash_seed', hash_seed: 4242, sampling_precision: 4 }),
        id,
      );
      if (!span) continue;
      found++;
      const m = /^ot=rv:([0-9a-f]{14});th:([0-9a-f]+)$/.exec(span.traceState);
      assert.ok(m, span.traceState);
      assert.equal(m[2], th, `${pct}%`);
      // sampled: its randomness is at least the threshold
      assert.ok(BigInt(`0x${m[1]}`) >= BigInt(`0x${m[2].padEnd(14, '0')}`), span.traceState);
    }
  }
});

// contrib's Test_tracesamplerprocessor_TraceState: defaultTID samples at 50% and not at 49%
const DEFAULT_TID = 'fefefefefefefefefe80000000000000';
const IMPROBABLE = '111111111111111111ffffffffffffff';
type Expect = { equalizing: string | false; proportional: string | false };
const both = (ts: string | false): Expect => ({ equalizing: ts, proportional: ts });
const TRACESTATE_CASES: {
  name: string;
  pct: number;
  precision?: number;
  failClosed?: boolean;
  id?: string;
  ts?: string;
  attr?: [string, { intValue: bigint }];
  expect: Expect;
}[] = [
  { name: '100 percent', pct: 100, expect: both('ot=th:0') },
  { name: '50 percent sampled', pct: 50, expect: both('ot=th:8') },
  { name: '25 percent sampled', pct: 25, id: 'ddddddddddddddddddc0000000000000', expect: both('ot=th:c') },
  { name: '25 percent unsampled', pct: 25, id: 'ddddddddddddddddddb0000000000000', expect: both(false) },
  {
    name: '1 percent sampled',
    pct: 1,
    ts: 'ot=rv:FD70A3D70A3D71',
    expect: both('ot=rv:FD70A3D70A3D71;th:fd70a3d70a3d71'),
  },
  {
    name: '1 percent sampled with rvalue and precision 4',
    pct: 1,
    precision: 4,
    ts: 'ot=rv:FD70A3D70A3D71',
    expect: both('ot=rv:FD70A3D70A3D71;th:fd70a'),
  },
  {
    name: '1 percent sampled with rvalue and precision 3',
    pct: 1,
    precision: 3,
    ts: 'ot=rv:FD70A3D70A3D71',
    expect: both(false),
  },
  { name: '1 percent not sampled with rvalue', pct: 1, ts: 'ot=rv:FD70A3D70A3D70', expect: both(false) },
  { name: '49 percent not sampled with default tid', pct: 49, expect: both(false) },
  {
    name: '1 percent sampled with rvalue',
    pct: 1,
    ts: 'ot=rv:fd70B000000000',
    expect: both('ot=rv:fd70B000000000;th:fd70a3d70a3d71'),
  },
  {
    name: '1 percent sampled with tid',
    pct: 1,
    precision: 4,
    id: 'a0a0a0a0a0a0a0a0a0fe000000000000',
    expect: both('ot=th:fd70a'),
  },
  { name: 'sampled by priority', pct: 1, attr: ['sampling.priority', { intValue: 2n }], expect: both('ot=th:0') },
  { name: 'not sampled by priority', pct: 99, attr: ['sampling.priority', { intValue: 0n }], expect: both(false) },
  {
    name: 'incoming 50 percent with rvalue',
    pct: 50,
    ts: 'ot=rv:90000000000000;th:80000000000000',
    expect: { equalizing: 'ot=rv:90000000000000;th:8', proportional: false },
  },
  { name: 'incoming 50 percent at 25 percent not sampled', pct: 25, ts: 'ot=th:8', expect: both(false) },
  {
    name: 'incoming 50 percent at 25 percent sampled',
    pct: 25,
    id: 'ffffffffffffffffffffffffffffffff',
    ts: 'ot=th:8',
    expect: { equalizing: 'ot=th:c', proportional: 'ot=th:e' },
  },
  {
    name: 'equalizing vs proportional',
    pct: 50,
    ts: 'ot=rv:c0000000000000;th:8',
    expect: { equalizing: 'ot=rv:c0000000000000;th:8', proportional: 'ot=rv:c0000000000000;th:c' },
  },
  {
    name: 'inconsistent arriving threshold',
    pct: 100,
    ts: 'ot=rv:40000000000000;th:8',
    expect: both('ot=rv:40000000000000;th:0'),
  },
  {
    name: 'inconsistent arriving threshold not sampled',
    pct: 1,
    failClosed: true,
    ts: 'ot=rv:40000000000000;th:8',
    expect: both(false),
  },
  {
    name: '40 percent precision 3 with rvalue',
    pct: 40,
    precision: 3,
    ts: 'ot=rv:a0000000000000',
    expect: both('ot=rv:a0000000000000;th:99a'),
  },
  {
    name: 'arriving 50 percent sampled at 40 percent precision 6 with tid',
    pct: 40,
    precision: 6,
    id: 'a0a0a0a0a0a0a0a0a0d0000000000000',
    ts: 'ot=th:8',
    expect: { equalizing: 'ot=th:99999a', proportional: 'ot=th:cccccd' },
  },
  {
    name: 'arriving 50 percent sampled at 40 percent partly sampled',
    pct: 40,
    precision: 3,
    id: 'a0a0a0a0a0a0a0a0a0b0000000000000',
    ts: 'ot=th:8',
    expect: { equalizing: 'ot=th:99a', proportional: false },
  },
  {
    name: 'arriving 50 percent sampled at 40 percent not sampled',
    pct: 40,
    precision: 3,
    id: 'a0a0a0a0a0a0a0a0a080000000000000',
    ts: 'ot=th:8',
    expect: both(false),
  },
  { name: '200 percent equals 100 percent', pct: 200, expect: both('ot=th:0') },
  {
    name: 'tiny probability rounding',
    pct: 100 * 2 ** -14,
    id: IMPROBABLE,
    ts: 'ot=th:fffc',
    expect: { equalizing: 'ot=th:fffc', proportional: 'ot=th:fffffff' },
  },
  {
    name: 'almost 100pct sampling',
    pct: (1 - 8e-7) * 100,
    precision: 10,
    id: IMPROBABLE,
    expect: both('ot=th:00000cccccccd'),
  },
  {
    name: 'probability underflow',
    pct: 2 ** -4,
    id: IMPROBABLE,
    ts: 'ot=th:fffffffffffff8',
    expect: { equalizing: 'ot=th:fffffffffffff8', proportional: false },
  },
];

test('equalizing and proportional: the tracestate of contrib’s TraceState table', () => {
  for (const c of TRACESTATE_CASES) {
    for (const mode of ['equalizing', 'proportional'] as const) {
      const config = goConfig({
        sampling_percentage: c.pct,
        mode,
        sampling_precision: c.precision ?? 0,
        fail_closed: c.failClosed ?? false,
        hash_seed: 4242,
      });
      const span = sampleSpan(config, tid(c.id ?? DEFAULT_TID), c.ts ?? '', c.attr);
      assert.equal(span?.traceState ?? false, c.expect[mode], `${mode}: ${c.name}`);
    }
  }
});

test('fail_closed drops spans whose sampling information is missing, malformed or inconsistent (contrib TraceStateErrors)', () => {
  const cases: [string, string][] = [
    ['00000000000000000000000000000000', ''], // missing randomness
    [DEFAULT_TID, 'ot=rv:abababababababab'], // r-value must have 14 hex digits
    [DEFAULT_TID, 'ot=th:abababababababab'], // t-value exceeds 14 hex digits
    [DEFAULT_TID, 'ot=th:-1'], // invalid syntax
    ['ffffffffffffffffff70000000000000', 'ot=th:8'], // inconsistent arriving threshold
    [DEFAULT_TID, 'ot=th:8;rv:70000000000000'],
  ];
  for (const [id, ts] of cases) {
    for (const mode of ['equalizing', 'proportional'] as const) {
      const config = goConfig({ sampling_percentage: 100, mode, fail_closed: true });
      assert.equal(sampleSpan(config, tid(id), ts), undefined, `${mode} ${id} ${ts}`);
      // failing open they pass
      assert.ok(sampleSpan({ ...config, fail_closed: false }, tid(id), ts), `${mode} ${id} ${ts} open`);
    }
  }
});

// The README writes `ot=th:8;rv:9b8233f7e3a151`; contrib serializes rv before th (its tests expect
// `ot=rv:...;th:...`), and so does flowtel.
test('README: rv 9b8233f7e3a151 sampled at 50% leaves with th:8, other vendors’ members kept after ot', () => {
  for (const mode of ['equalizing', 'proportional'] as const) {
    const span = sampleSpan(
      goConfig({ sampling_percentage: 50, mode, sampling_precision: 4 }),
      tid(DEFAULT_TID),
      'vendor=x , ot=th:0;rv:9b8233f7e3a151',
    );
    assert.equal(span?.traceState, 'ot=rv:9b8233f7e3a151;th:8,vendor=x', mode);
  }
});

test('sampling.priority: 0 never samples, above 0 always, by int, double or numeric string (contrib parse cases)', () => {
  const id = tid('01000000000000000000000000000000'); // randomness 0: sampled only at 100%
  const at = (pct: number, v: object | undefined) =>
    sampleSpan(
      goConfig({ sampling_percentage: pct, mode: 'proportional' }),
      id,
      '',
      v && ['sampling.priority', v as never],
    ) !== undefined;
  for (const v of [{ intValue: 1n }, { doubleValue: 1 }, { stringValue: '0.5' }])
    assert.equal(
      at(1, v),
      true,
      JSON.stringify(v, (_k, x) => String(x)),
    );
  for (const v of [{ intValue: 0n }, { doubleValue: 0 }, { stringValue: '0.0' }])
    assert.equal(
      at(100, v),
      false,
      JSON.stringify(v, (_k, x) => String(x)),
    );
  // deferred to the percentage
  for (const v of [
    { intValue: -1n },
    { doubleValue: -1 },
    { stringValue: '-0.5' },
    { stringValue: 'NaN' },
    { boolValue: true },
  ]) {
    assert.equal(at(1, v), false);
    assert.equal(at(100, v), true);
  }
});

test('config: contrib defaults and Validate messages', () => {
  assert.deepEqual(factory.configSchema.parse({}), {
    sampling_percentage: 0,
    hash_seed: 0,
    mode: '',
    fail_closed: true,
    sampling_precision: 4,
    attribute_source: 'traceID',
    from_attribute: '',
    sampling_priority: '',
  });
  const issue = (c: unknown) => {
    const r = factory.configSchema.safeParse(c);
    assert.equal(r.success, false, JSON.stringify(c));
    return `${r.error!.issues[0].path.join('.')}: ${r.error!.issues[0].message}`;
  };
  assert.match(issue({ sampling_percentage: -15.5 }), /^sampling_percentage: sampling rate is negative/);
  assert.match(issue({ sampling_percentage: 1e-20 }), /^sampling_percentage: sampling rate is too small/);
  assert.match(issue({ sampling_percentage: 1e39 }), /^sampling_percentage: sampling rate is invalid: Infinity%/);
  assert.match(
    issue({ sampling_percentage: 1, sampling_precision: 15 }),
    /sampling precision is too great, should be <= 14: 15/,
  );
  assert.match(issue({ sampling_percentage: 1, sampling_precision: 0 }), /invalid sampling precision: 0/);
  assert.match(issue({ mode: 'consistent' }), /^mode: unsupported sampler mode "consistent"/);
  assert.match(issue({ attribute_source: 'span' }), /invalid attribute source: span. Expected: traceID or record/);
  assert.equal(factory.configSchema.safeParse({ sampling_percentage: 200 }).success, true);
});
