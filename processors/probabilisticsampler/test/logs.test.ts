// The probabilistic_sampler on log records against otelcol-contrib's tests: TestLogsSampling's
// counts of 100 records (trace id, attribute and priority sources), TestLogsSamplingState's
// attributes each sampled record leaves with, and TestLogsMissingRandomness.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import { fnv1a32 } from '../src/samplers.ts';
import { goConfig, sampleRecord, tid } from './helpers.ts';
import { Ack, type Batch, type LogsBatch } from '@flowtel/core';
import { newLogRecord, newResource, newScope } from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { factory, type ProbabilisticSamplerConfig } from '../src/index.ts';

const plain = (attrs: KeyValue[]) =>
  Object.fromEntries(attrs.map((kv) => [kv.key, Object.values(kv.value)[0] as unknown]));

/** contrib's 100 records: trace id 8 zero bytes then 8 times i; foo/bar on even, priority 100 on every fourth */
function hundredRecords() {
  return Array.from({ length: 100 }, (_, i) => {
    const traceId = new Uint8Array(16).fill(i, 8);
    const attributes: KeyValue[] = [{ key: 'rando', value: { intValue: BigInt(fnv1a32(traceId, 123)) } }];
    if (i % 2 === 0) {
      attributes.push({ key: 'foo', value: { bytesValue: traceId } });
      // pcommon's TraceID.String() is '' for the all-zero id (i == 0)
      const hex = i === 0 ? '' : Buffer.from(traceId).toString('hex');
      attributes.push({ key: 'bar', value: { stringValue: hex } });
    }
    if (i % 4 === 0) attributes.push({ key: 'priority', value: { doubleValue: 100 } });
    return newLogRecord({ traceId, attributes, severityNumber: 5 });
  });
}

function received(config: ProbabilisticSamplerConfig): number {
  const p = factory.createProcessor(testSettings('probabilistic_sampler', 'processor'), config, 'logs', 'logs');
  const data = {
    resourceLogs: [
      {
        resource: newResource(),
        scopeLogs: [{ scope: newScope(), logRecords: hundredRecords(), schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
  const { out } = pushThrough(p, { signal: 'logs', data, items: 100, ack: Ack.none() } as unknown as Batch);
  const b = out[0] as LogsBatch | undefined;
  return b?.data.resourceLogs[0]?.scopeLogs[0]?.logRecords.length ?? 0;
}

test('how many of 100 records pass, as contrib TestLogsSampling counts them', () => {
  const cases: [string, Partial<ProbabilisticSamplerConfig>, number][] = [
    ['happy_path', { sampling_percentage: 100 }, 100],
    ['nothing', { sampling_percentage: 0, fail_closed: true }, 0],
    [
      'roughly half',
      { sampling_percentage: 50, attribute_source: 'traceID', mode: 'hash_seed', fail_closed: true },
      45,
    ],
    ['sampling_source no sampling', { sampling_percentage: 0, attribute_source: 'record', from_attribute: 'foo' }, 0],
    [
      'sampling_source all sampling',
      { sampling_percentage: 100, attribute_source: 'record', from_attribute: 'foo' },
      100,
    ],
    [
      'sampling_source sampling',
      { sampling_percentage: 50, attribute_source: 'record', from_attribute: 'foo', fail_closed: true },
      23,
    ],
    [
      'sampling_source sampling as string',
      { sampling_percentage: 50, attribute_source: 'record', from_attribute: 'bar', fail_closed: true },
      29,
    ],
    [
      'sampling_priority_0_record',
      { sampling_percentage: 0, sampling_priority: 'priority', attribute_source: 'record', from_attribute: 'rando' },
      25,
    ],
    [
      'sampling_priority_50_record',
      { sampling_percentage: 50, sampling_priority: 'priority', attribute_source: 'record', from_attribute: 'rando' },
      64,
    ],
    [
      'sampling_priority_100_record',
      { sampling_percentage: 100, sampling_priority: 'priority', attribute_source: 'record', from_attribute: 'rando' },
      100,
    ],
    [
      'sampling_priority_0_traceid',
      { sampling_percentage: 0, sampling_priority: 'priority', attribute_source: 'traceID' },
      25,
    ],
    [
      'sampling_priority_50_traceid',
      { sampling_percentage: 50, sampling_priority: 'priority', attribute_source: 'traceID' },
      57,
    ],
    [
      'sampling_priority_100_traceid',
      { sampling_percentage: 100, sampling_priority: 'priority', attribute_source: 'traceID' },
      100,
    ],
    [
      'sampling_priority with sampling field',
      { sampling_percentage: 0, attribute_source: 'record', from_attribute: 'foo', sampling_priority: 'priority' },
      25,
    ],
  ];
  for (const [name, c, n] of cases) assert.equal(received(goConfig(c)), n, name);
});

const DEFAULT_TID = tid('fefefefefefefefefe80000000000000');
const attrsOf = (o: Record<string, AnyValue>): KeyValue[] => Object.entries(o).map(([key, value]) => ({ key, value }));

test('the sampling.* attributes a sampled record leaves with (contrib TestLogsSamplingState)', () => {
  const at = (c: Partial<ProbabilisticSamplerConfig>, traceId: Uint8Array, attrs: Record<string, AnyValue>) => {
    const r = sampleRecord(goConfig(c), { traceId, attributes: attrsOf(attrs) });
    return r && plain(r.attributes);
  };
  assert.deepEqual(
    at({ sampling_percentage: 100, attribute_source: 'traceID', mode: 'proportional' }, DEFAULT_TID, {
      ignored: { stringValue: 'value' },
    }),
    { ignored: 'value', 'sampling.threshold': '0' },
  );
  const hashed = at(
    { sampling_percentage: 100, attribute_source: 'traceID', mode: 'hash_seed', hash_seed: 22 },
    DEFAULT_TID,
    {
      K: { stringValue: 'V' },
    },
  );
  assert.equal(hashed?.K, 'V');
  assert.equal(hashed?.['sampling.threshold'], '0');
  assert.match(String(hashed?.['sampling.randomness']), /^[0-9a-f]{14}$/);
  assert.equal(at({ sampling_percentage: 0, attribute_source: 'traceID' }, DEFAULT_TID, {}), undefined);
  assert.deepEqual(
    at(
      { sampling_percentage: 0, attribute_source: 'traceID', sampling_priority: 'veryrandom', sampling_precision: 6 },
      DEFAULT_TID,
      {
        'sampling.randomness': { stringValue: 'e6147c00000000' },
        veryrandom: { doubleValue: 10.125 },
      },
    ),
    { 'sampling.randomness': 'e6147c00000000', veryrandom: 10.125, 'sampling.threshold': 'e6147b' },
  );
  assert.deepEqual(
    at(
      { sampling_percentage: 50, attribute_source: 'traceID', mode: 'proportional' },
      tid('fefefefefefefefefef0000000000000'),
      {
        'sampling.threshold': { stringValue: 'c' },
      },
    ),
    { 'sampling.threshold': 'e' },
  );
  assert.equal(
    at(
      { sampling_percentage: 50, attribute_source: 'traceID', mode: 'equalizing', fail_closed: true },
      tid('fefefefefefefefefeb0000000000000'),
      {
        'sampling.threshold': { stringValue: 'c' },
      },
    ),
    undefined,
  );
  // a priority that would raise the probability leaves the arriving threshold as it is
  assert.deepEqual(
    at(
      { sampling_percentage: 50, attribute_source: 'traceID', mode: 'equalizing', sampling_priority: 'prio' },
      tid('fefefefefefefefefefefefefefefefe'),
      {
        'sampling.threshold': { stringValue: 'c' },
        prio: { intValue: 37n },
      },
    ),
    { 'sampling.threshold': 'c', prio: 37n },
  );
  // hash_seed leaves the OTel way of sampling alone: no threshold added
  assert.deepEqual(
    at({ sampling_percentage: 100, attribute_source: 'traceID', mode: 'hash_seed' }, DEFAULT_TID, {
      'sampling.randomness': { stringValue: 'f2341234123412' },
    }),
    { 'sampling.randomness': 'f2341234123412' },
  );
});

test('records without randomness pass only failing open, and never at 0% (contrib TestLogsMissingRandomness)', () => {
  for (const mode of ['hash_seed', 'equalizing', 'proportional'] as const) {
    for (const attribute_source of ['record', 'traceID']) {
      for (const [pct, failClosed, sampled] of [
        [0, true, false],
        [50, true, false],
        [100, true, false],
        [0, false, false],
        [50, false, true],
        [100, false, true],
      ] as const) {
        const r = sampleRecord(
          goConfig({
            sampling_percentage: pct,
            mode,
            hash_seed: 4242,
            fail_closed: failClosed,
            attribute_source,
            from_attribute: 'unused',
          }),
          { traceId: new Uint8Array(16), attributes: attrsOf({ unused: { stringValue: '' } }) },
        );
        assert.equal(r !== undefined, sampled, `${mode} ${attribute_source} ${pct} ${failClosed}`);
      }
    }
  }
});
