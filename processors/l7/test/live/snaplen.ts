// What the snap-length tests share: real traffic recorded from loopback by dumpcap, and the
// recording cut by editcap to keep only the first bytes of each segment's payload, as a capture
// with a snap length does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hasCommand, waitFor } from '@flowtel/testkit';
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
