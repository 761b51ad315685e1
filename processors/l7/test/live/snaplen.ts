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
