// Fuzzing: every parser gets random, truncated and mutated payloads (seeded from the DeepFlow
// captures when they are present) in both directions, with lost bytes (gaps) in between. None may throw, hang, or keep more state
// than its bounds allow. The PRNG is seeded, so a failure replays with the printed seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import { SocketEventKind } from '@flowtel/pdata';
import type { Direction, ProtocolParser } from '../src/parser.ts';
import { PROTOCOL_PARSERS } from '../src/protocols/index.ts';
import { DEEPFLOW_CAPTURES } from '@flowtel/testkit';

const captures = DEEPFLOW_CAPTURES;
const SEED = Number(process.env.L7_FUZZ_SEED ?? 20261124);
const ITERATIONS = Number(process.env.L7_FUZZ_ITERATIONS ?? 3000);
/** What one connection's parser state may hold at most (buffers, tables, pending requests). */
const MAX_STATE_BYTES = 4 * 1024 * 1024;
/** A hang detector, not a benchmark: generous, since CI machines are shared and busy. */
const MAX_CALL_MS = 2000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes reachable from a value: typed arrays, strings, and a little per object and entry. */
function retainedBytes(root: unknown): number {
  const seen = new Set<unknown>();
  let total = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (v instanceof Map) for (const [k, x] of v) (stack.push(k, x), (total += 16));
    else if (v instanceof Set) for (const x of v) (stack.push(x), (total += 16));
    else for (const x of Object.values(v)) (stack.push(x), (total += 8));
  }
  return total;
}

function seedPayloads(): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  if (!existsSync(captures)) return seeds;
  for (const dir of readdirSync(captures, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(captures, dir.name)).filter((f) => f.endsWith('.pcap'))) {
      try {
        const events = readCaptureFile(join(captures, dir.name, file), {
          perspective: 'client',
          roles: 'first-packet',
        });
        for (const e of events.filter((x) => x.kind === SocketEventKind.DATA && x.payload.length > 0).slice(0, 6)) {
          seeds.push(Uint8Array.from(e.payload.subarray(0, 4096)));
        }
      } catch {
        // A capture the reader rejects gives no seeds; the reader has its own tests.
      }
    }
  }
  return seeds;
}

function mutate(rand: () => number, seeds: Uint8Array[]): Uint8Array {
  const pick = () => seeds[Math.floor(rand() * seeds.length)];
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const choice = seeds.length === 0 ? 0 : Math.floor(rand() * 6);
  switch (choice) {
    case 0:
      return randomBytes(Math.floor(rand() * 2048));
    case 1: {
      const s = pick();
      return s.slice(0, Math.floor(rand() * (s.length + 1)));
    }
    case 2: {
      const s = pick().slice();
      for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n && s.length > 0; i++)
        s[Math.floor(rand() * s.length)] ^= 1 << Math.floor(rand() * 8);
      return s;
    }
    case 3: {
      // Length fields blown up: 0xff runs at a random place.
      const s = pick().slice();
      const at = Math.floor(rand() * s.length);
      s.fill(0xff, at, at + 1 + Math.floor(rand() * 4));
      return s;
    }
    case 4: {
      const a = pick();
      const b = pick();
      const cut = Math.floor(rand() * a.length);
      return Uint8Array.from([...a.subarray(0, cut), ...b.subarray(Math.floor(rand() * b.length))]);
    }
    default:
      return pick().slice();
  }
}

function call<T>(what: string, parser: ProtocolParser<any>, run: () => T): T {
  const start = performance.now();
  let out: T;
  try {
    out = run();
  } catch (err) {
    assert.fail(`${parser.name}.${what} threw (seed ${SEED}): ${(err as Error).stack}`);
  }
  const ms = performance.now() - start;
  assert.ok(ms < MAX_CALL_MS, `${parser.name}.${what} took ${ms.toFixed(1)} ms (seed ${SEED})`);
  return out;
}

const seeds = seedPayloads();

for (const parser of PROTOCOL_PARSERS) {
  test(`fuzz: ${parser.name} survives random, truncated and mutated payloads with bounded state`, () => {
    const rand = prng(SEED ^ parser.name.length);
    let state = parser.createState({ l4: parser.l4 === 'udp' ? 'udp' : 'tcp' });
    let peak = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const payload = mutate(rand, seeds);
      const direction: Direction = rand() < 0.5 ? 'toServer' : 'toClient';
      call('infer', parser, () => parser.infer(payload, direction));
      const result = call('parse', parser, () => parser.parse(payload, direction, state));
      assert.ok(Array.isArray(result) || result.kind === 'need-more-data' || result.kind === 'error');
      if (rand() < 0.05) call('gap', parser, () => parser.gap?.(state, direction, Math.floor(rand() * 100_000)));
      if (i % 50 === 0) peak = Math.max(peak, retainedBytes(state));
      if (rand() < 0.02) {
        call('flush', parser, () => parser.flush?.(state));
        state = parser.createState();
      }
    }
    assert.ok(peak <= MAX_STATE_BYTES, `${parser.name} state grew to ${peak} bytes`);
  });

  test(`fuzz: ${parser.name} keeps bounded state on an endless stream that never completes a message`, () => {
    const state = parser.createState();
    const rand = prng(SEED + 1);
    // A plausible start, then 8 MiB of filler: whatever the parser waits for never comes.
    const start = seeds.find((s) => parser.infer(s, 'toServer')) ?? Uint8Array.from([0x2a, 0x31, 0x0d, 0x0a]);
    call('parse', parser, () => parser.parse(start.subarray(0, Math.max(1, start.length - 1)), 'toServer', state));
    const filler = Uint8Array.from({ length: 64 * 1024 }, () => 0x41 + Math.floor(rand() * 26));
    for (let i = 0; i < 128; i++)
      call('parse', parser, () => parser.parse(filler, i % 3 === 0 ? 'toClient' : 'toServer', state));
    const size = retainedBytes(state);
    assert.ok(size <= MAX_STATE_BYTES, `${parser.name} state grew to ${size} bytes`);
  });
}

test('fuzz: seeds come from the DeepFlow captures when they are present', (t) => {
  if (!existsSync(captures)) {
    assert.notEqual(process.env.CI, 'true', `DeepFlow captures missing at ${captures}`);
    t.skip('no captures: random payloads only');
    return;
  }
  assert.ok(seeds.length > 100, `only ${seeds.length} seed payloads`);
});
