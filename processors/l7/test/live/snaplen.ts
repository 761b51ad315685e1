// What the snap-length tests share: real traffic recorded from loopback by dumpcap, and the
// recording cut by editcap to keep only the first bytes of each segment's payload, as a capture
// with a snap length does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { hasCommand, waitFor, type RunningServer } from '@flowtel/testkit';
import type { L7Record } from '../../src/record.ts';
import { recordsOfCapture } from '../helpers.ts';
import { HEAD } from './big-requests.ts';
import { runClient } from './capture.ts';

/** Ethernet (dumpcap's link type on lo) + IPv4 + TCP with the timestamp option Linux sends. */
const FRAME_HEADERS = 14 + 20 + 32;

/** Skips without root, dumpcap, editcap or one of `tools`, except in CI where that fails. */
export function skipUnlessDumpcap(t: TestContext, tools: string[]): boolean {
  const missing = [...tools, 'dumpcap', 'editcap'].filter((tool) => !hasCommand(tool));
  const why =
    process.getuid?.() !== 0
      ? 'capturing on lo needs root'
      : missing.length
        ? `not installed: ${missing.join(', ')}`
        : undefined;
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`the snap-length test must run in CI: ${why}`);
  t.skip(why);
  return true;
}

export interface Recordings {
  /** every byte of every segment */
  whole: string;
  /** `payloadBytes` of each segment's payload */
  cut: string;
}

/** One direction of a recorded TCP connection: its bytes, and which of them the cut recording kept. */
export interface SentBytes {
  bytes: Buffer;
  /** 1 for each byte of `bytes` the cut recording holds */
  kept: Uint8Array;
}

/** tshark's reading of `fields` of every frame of a recording, one array of values per frame. */
async function framesOf(path: string, fields: string[]): Promise<string[][]> {
  const read = await runClient('tshark', [
    '-r',
    path,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  if (read.code !== 0) throw new Error(`tshark failed on ${path}: ${read.stderr}`);
  return read.stdout
    .toString()
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.split('\t'));
}

/**
 * Every direction of every TCP connection in a recording, as tshark reads the whole copy, with
 * the bytes its cut copy kept. Which bytes a snap length keeps depends on how TCP cut the stream
 * into segments (Linux coalesces a write queued behind unsent data into the last segment of the
 * data before it), which only the recorded packets tell.
 */
export async function sentBytes({ whole, cut }: Recordings): Promise<SentBytes[]> {
  const sent = await framesOf(whole, [
    'frame.number',
    'tcp.stream',
    'tcp.srcport',
    'tcp.seq',
    'tcp.len',
    'tcp.payload',
  ]);
  // a cut frame keeps cap_len of its len bytes; the headers are len - tcp.len of them
  const kept = new Map(
    (await framesOf(cut, ['frame.number', 'frame.cap_len', 'frame.len', 'tcp.len'])).map(
      ([frame, capLen, len, tcpLen]) => [
        frame,
        Math.max(0, Math.min(Number(tcpLen), Number(capLen) - (Number(len) - Number(tcpLen)))),
      ],
    ),
  );
  const directions = new Map<string, { seq: number; payload: Buffer; kept: number }[]>();
  for (const [frame, stream, port, seq, len, payload] of sent) {
    if (!stream || !(Number(len) > 0)) continue;
    const key = `${stream}:${port}`;
    const chunks = directions.get(key) ?? [];
    directions.set(key, chunks);
    // tshark's relative sequence numbers: the first data byte is 1
    chunks.push({ seq: Number(seq) - 1, payload: Buffer.from(payload, 'hex'), kept: kept.get(frame) ?? 0 });
  }
  return [...directions.values()].map((chunks) => {
    const size = Math.max(...chunks.map((c) => c.seq + c.payload.length));
    const bytes = Buffer.alloc(size);
    const keptBytes = new Uint8Array(size);
    // a retransmission carries the same bytes again, and a byte is kept if any copy keeps it
    for (const c of chunks) {
      c.payload.copy(bytes, c.seq);
      keptBytes.fill(1, c.seq, c.seq + c.kept);
    }
    return { bytes, kept: keptBytes };
  });
}

/**
 * What the cut recording keeps of a message: `locate` finds its bytes [start, end) in a direction
 * of a connection (undefined in the others).
 */
export function keptOf(
  sent: SentBytes[],
  locate: (bytes: Buffer) => [number, number] | undefined,
): 'all' | 'part' | 'none' {
  for (const s of sent) {
    const range = locate(s.bytes);
    if (!range) continue;
    const kept = s.kept.subarray(...range).reduce((n, k) => n + k, 0);
    return kept === range[1] - range[0] ? 'all' : kept === 0 ? 'none' : 'part';
  }
  throw new Error('the message is not in the recording');
}

/** How many times `needle` occurs in `haystack`. */
export function occurrences(haystack: Buffer, needle: string | Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}

/**
 * Records the TCP traffic of `port` on lo while `exchange` runs, until `complete` says the
 * recording holds the exchange's last bytes (dumpcap writes what it captured a little later),
 * then cuts a copy to `payloadBytes` of payload per segment.
 */
export async function recordLoopback(
  t: TestContext,
  port: number,
  exchange: () => Promise<void>,
  complete: (recording: Buffer) => boolean,
  payloadBytes: number,
): Promise<Recordings> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-snaplen-'));
  const whole = join(dir, 'whole.pcap');
  const cut = join(dir, 'cut.pcap');
  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', `tcp port ${port}`, '-P', '-w', whole], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let dumpcapErr = '';
  dumpcap.stderr.on('data', (d) => (dumpcapErr += d));
  const exited = new Promise<void>((resolve) => dumpcap.on('exit', () => resolve()));
  t.after(() => dumpcap.kill('SIGINT'));
  await waitFor('dumpcap to capture', async () => dumpcapErr.includes('Capturing on'), 60_000);

  await exchange();
  await waitFor('the last message in the recording', async () => complete(readFileSync(whole)), 60_000);
  dumpcap.kill('SIGINT');
  await exited;
  const editcap = await runClient('editcap', ['-s', String(FRAME_HEADERS + payloadBytes), whole, cut]);
  if (editcap.code !== 0) throw new Error(`editcap failed: ${editcap.stderr}`);
  return { whole, cut };
}

/** What a record says of its exchange, beside the capture marks. */
const summary = (r: L7Record, resource = r.request?.request_resource) =>
  [
    r.conn.role,
    r.protocol,
    r.request?.request_type,
    resource,
    // gRPC's service and method (undefined elsewhere)
    r.request?.attributes['rpc.service'],
    r.request?.attributes['rpc.method'],
    r.response?.response_code,
    r.response?.response_status,
    r.unanswered ? 'unanswered' : '',
  ].join(' | ');

const marked = (r: L7Record) => r.request?.captured !== undefined || r.response?.captured !== undefined;

/**
 * The summary of a record read from a head, with the whole resource of the big record it stands
 * for: a head holds the start of a long resource (a statement, a URL), as the sender wrote it.
 */
function restored(r: L7Record, bigOnes: L7Record[]): string {
  const head = r.request?.request_resource;
  if (!marked(r) || !head) return summary(r);
  const whole = bigOnes.find(
    (b) => summary(b, '') === summary(r, '') && String(b.request?.request_resource).startsWith(head),
  );
  return summary(r, whole ? whole.request?.request_resource : head);
}

export interface SnapCase {
  tools: string[];
  start(): Promise<Pick<RunningServer, 'port' | 'stop'>>;
  exchange(port: number): Promise<void>;
  /** the recording holds the exchange's last message */
  complete(recording: Buffer): boolean;
  /**
   * What the client sent and its server answered, as the exchange's peers tell it (the client's
   * script and output): each is a record on both ends of the whole recording (`resource`: the
   * start of the record's resource).
   */
  sent?: { type: string; resource?: string; code?: number }[];
  /** a record of a message larger than the head: the cut recording has only its head */
  big(r: L7Record): boolean;
  /**
   * Where a record's request lies in a direction of the recording ([start, end), undefined in the
   * other directions), for requests a client writes right behind a big message: TCP may send them
   * in the big message's last segment (Linux coalesces a write queued behind unsent data), and
   * whether that puts them past what the snap length keeps depends on where TCP cut the stream
   * into segments. The recorded packets tell: kept whole, the record is the same; not kept at
   * all, the cut recording has only its answer; kept in part, the record is left out of the
   * comparison (whether a parser can read a message cut in its first line is not this test's).
   */
  sentBehindBig?(r: L7Record, all: L7Record[]): ((bytes: Buffer) => [number, number] | undefined) | undefined;
}

/** What a cut recording gives of a record whose request it lost: its response alone. */
const answerAlone = (lost: L7Record[]): L7Record[] =>
  lost.filter((r) => r.response).map((r) => ({ ...r, request: undefined }));

/** `records` without one record of each summary in `left` (either form: whole or its answer alone). */
function without(records: L7Record[], left: L7Record[]): L7Record[] {
  const rest = [...records];
  for (const r of left) {
    const forms = [r, ...answerAlone([r])].map((r) => summary(r));
    const at = rest.findIndex((a) => forms.includes(summary(a)));
    if (at >= 0) rest.splice(at, 1);
  }
  return rest;
}

/** The last place of `message` in `bytes`, as keptOf's locator wants it. */
export const lastOf =
  (message: string | Buffer) =>
  (bytes: Buffer): [number, number] | undefined => {
    const at = bytes.lastIndexOf(message);
    return at < 0 ? undefined : [at, at + Buffer.byteLength(message)];
  };

/**
 * Runs a case's exchange under dumpcap, cuts the recording to HEAD bytes of payload per segment,
 * and reads both through the pcap reader and the l7 engine: the whole recording has every message
 * whole, the peers' exchange on both ends and a big message on each; the cut one gives the same
 * records, only the big messages read from their heads.
 */
export async function sameRecordsFromTheHeads(t: TestContext, c: SnapCase): Promise<void> {
  if (skipUnlessDumpcap(t, c.tools)) return;
  const server = await c.start();
  t.after(() => server.stop());
  const recordings = await recordLoopback(t, server.port, () => c.exchange(server.port), c.complete, HEAD);

  const expected = recordsOfCapture(recordings.whole);
  assert.deepEqual(
    expected.filter(marked).map((r) => summary(r)),
    [],
    'the whole recording: every message whole',
  );
  const bigOnes = expected.filter(c.big);
  for (const role of ['client', 'server'])
    assert.ok(
      bigOnes.some((r) => r.conn.role === role),
      `the whole recording: a big message on the ${role} end`,
    );
  for (const role of ['client', 'server'])
    for (const want of c.sent ?? [])
      assert.ok(
        expected.some(
          (r) =>
            r.conn.role === role &&
            r.request?.request_type === want.type &&
            String(r.request.request_resource).startsWith(want.resource ?? '') &&
            (want.code === undefined || r.response?.response_code === want.code),
        ),
        `the whole recording: ${want.type} ${want.resource ?? ''} on the ${role} end, in ${expected.map((r) => summary(r)).join('; ')}`,
      );
  const sent = c.sentBehindBig ? await sentBytes(recordings) : [];
  const keptOfRecord = (r: L7Record) => {
    const locate = c.sentBehindBig?.(r, expected);
    return locate ? keptOf(sent, locate) : 'all';
  };
  const lost = expected.filter((r) => keptOfRecord(r) === 'none');
  const split = expected.filter((r) => keptOfRecord(r) === 'part');
  if (c.sentBehindBig)
    t.diagnostic(`behind the big message: ${lost.length} request(s) past the cut, ${split.length} split by it`);
  const actual = without(recordsOfCapture(recordings.cut), split);
  assert.deepEqual(
    actual.map((r) => restored(r, bigOnes)).sort(),
    [...expected.filter((r) => !lost.includes(r) && !split.includes(r)), ...answerAlone(lost)]
      .map((r) => summary(r))
      .sort(),
    'the cut recording: the same records',
  );
  assert.deepEqual(
    actual
      .filter(marked)
      .map((r) => restored(r, bigOnes))
      .sort(),
    bigOnes.map((r) => summary(r)).sort(),
    'the cut recording: the big messages, and only they, read from their heads',
  );
}
