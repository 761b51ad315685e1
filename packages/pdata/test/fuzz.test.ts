// Random, truncated and mutated inputs: each must decode or throw DecodeError, quickly. A
// seeded generator keeps every failure reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeError,
  decodeExportResponse,
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  encodeExportResponse,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  logsFromJson,
  logsToJson,
  metricsFromJson,
  metricsToJson,
  tracesFromJson,
  tracesToJson,
} from '../src/index.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 5000);

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function* mutations(valid: Uint8Array, rounds: number, random: () => number): Generator<Uint8Array> {
  const int = (n: number) => Math.floor(random() * n);
  for (let cut = 0; cut < valid.length; cut += Math.max(1, valid.length >> 8)) yield valid.subarray(0, cut);
  for (let i = 0; i < rounds; i++) {
    const kind = i % 5;
    if (kind === 0) yield Uint8Array.from({ length: int(256) }, () => int(256));
    else if (kind === 1) {
      const b = valid.slice();
      for (let n = 1 + int(4); n > 0; n--) b[int(b.length)] ^= 1 << int(8);
      yield b;
    } else if (kind === 2) {
      const b = valid.slice();
      for (let n = 1 + int(8); n > 0; n--) b[int(b.length)] = int(256);
      yield b.subarray(0, int(b.length + 1));
    } else if (kind === 3) {
      // a run of 0xff: huge varints and length prefixes
      const b = valid.slice();
      const at = int(b.length);
      b.fill(0xff, at, at + 1 + int(12));
      yield b;
    } else {
      // splice: a piece of the message moved elsewhere, nesting scrambled
      const from = int(valid.length);
      const piece = valid.subarray(from, from + int(64));
      const at = int(valid.length);
      const b = new Uint8Array(valid.length + piece.length);
      b.set(valid.subarray(0, at));
      b.set(piece, at);
      b.set(valid.subarray(at), at + piece.length);
      yield b;
    }
  }
}

function fuzz(name: string, valid: Uint8Array, decode: (b: Uint8Array) => unknown, seed: number) {
  test(`fuzz: ${name} decoding of random, truncated and mutated bytes decodes or throws DecodeError`, () => {
    const random = prng(seed);
    // CPU time, not wall time: on a busy machine a decode can wait for a core far longer than it runs
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const started = cpuMs();
    let slowest = 0;
    let inputs = 0;
    let rejected = 0;
    for (const input of mutations(valid, ROUNDS, random)) {
      inputs++;
      const t0 = cpuMs();
      try {
        decode(input);
      } catch (e) {
        if (!(e instanceof DecodeError))
          assert.fail(`${name}: ${String(e)} for input ${Buffer.from(input).toString('hex')}`);
        assert.match(e.message, /at byte \d+/);
        rejected++;
      }
      slowest = Math.max(slowest, cpuMs() - t0);
    }
    assert.ok(inputs >= ROUNDS, `${inputs} inputs`);
    assert.ok(rejected > inputs / 4, `most mutations are rejected (${rejected} of ${inputs})`);
    assert.ok(slowest < 250, `slowest single decode took ${slowest.toFixed(1)} ms of CPU`);
    assert.ok(cpuMs() - started < 30_000, 'the whole run stays within 30 s of CPU');
  });
}

fuzz('traces', encodeTraces(sampleTraces()), decodeTraces, SEED);
fuzz('metrics', encodeMetrics(sampleMetrics()), decodeMetrics, SEED + 1);
fuzz('logs', encodeLogs(sampleLogs()), decodeLogs, SEED + 2);
fuzz(
  'export response',
  encodeExportResponse({ partialSuccess: { rejected: 7n, errorMessage: 'some were bad' } }),
  decodeExportResponse,
  SEED + 3,
);

test('fuzz: a length prefix beyond the input is refused before anything is allocated', () => {
  // resource_spans, length 2^32-1 (a varint of five bytes), then nothing
  const huge = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.throws(
    () => decodeTraces(huge),
    (e: unknown) =>
      e instanceof DecodeError && /length 4294967295 exceeds the 0 bytes that remain \(at byte 1\)/.test(e.message),
  );
  assert.throws(
    () => decodeTraces(Uint8Array.from([0x0a, 0x80, 0x80])),
    (e: unknown) => e instanceof DecodeError && /truncated varint/.test(e.message),
  );
  assert.throws(
    () => decodeTraces(Uint8Array.from([0x0a, ...new Array(11).fill(0x80), 0])),
    (e: unknown) => e instanceof DecodeError && /longer than 10 bytes/.test(e.message),
  );
  assert.throws(
    () => decodeTraces(Uint8Array.from([0x0b, 0x00])),
    (e: unknown) => e instanceof DecodeError && /wire type 3/.test(e.message),
  );
  assert.throws(
    () => decodeTraces(Uint8Array.from([0x02, 0x00])),
    (e: unknown) => e instanceof DecodeError && /field number 0/.test(e.message),
  );
});

test('fuzz: AnyValue nesting deeper than 64 levels is refused, not a stack overflow', () => {
  let value: Uint8Array = Uint8Array.from([0x0a, 0x01, 0x78]); // string_value "x"
  const wrap = (field: number, body: Uint8Array) => {
    const len: number[] = [];
    let n = body.length;
    while (n >= 0x80) {
      len.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    len.push(n);
    return Uint8Array.from([(field << 3) | 2, ...len, ...body]);
  };
  for (let i = 0; i < 200; i++) value = wrap(5, wrap(1, value)); // AnyValue{array_value{values[...]}}
  const logs = wrap(1, wrap(2, wrap(2, wrap(5, value)))); // resource_logs.scope_logs.log_records.body
  assert.throws(
    () => decodeLogs(logs),
    (e: unknown) => e instanceof DecodeError && /nest deeper than 64 levels/.test(e.message),
  );
});

test('fuzz: mutated OTLP/JSON text parses or throws DecodeError', () => {
  const random = prng(SEED + 4);
  const int = (n: number) => Math.floor(random() * n);
  const alphabet = '{}[]":,0123456789-eE.abcdefnulltrue \\';
  const cases: [string, (s: string) => unknown][] = [
    [tracesToJson(sampleTraces()), tracesFromJson],
    [metricsToJson(sampleMetrics()), metricsFromJson],
    [logsToJson(sampleLogs()), logsFromJson],
  ];
  let rejected = 0;
  for (const [json, decode] of cases) {
    for (let i = 0; i < 500; i++) {
      const chars = json.split('');
      for (let n = 1 + int(3); n > 0; n--) chars[int(chars.length)] = alphabet[int(alphabet.length)];
      try {
        decode(chars.join(''));
      } catch (e) {
        if (!(e instanceof DecodeError)) assert.fail(`${String(e)} for ${chars.join('')}`);
        rejected++;
      }
    }
  }
  assert.ok(rejected > 0);
});
