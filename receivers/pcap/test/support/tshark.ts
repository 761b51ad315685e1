// tshark as the independent reader the tests compare against.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

export function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

function tshark(args: string[]): string {
  return execFileSync('tshark', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** frame numbers of the frames tshark decodes as TCP or UDP at the outer level (not inside ICMP errors or tunnels) */
export function tsharkTransportFrames(path: string): number[] {
  return tshark(['-r', path, '-T', 'fields', '-e', 'frame.number', '-Y', '(tcp or udp) and not icmp and not icmpv6'])
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

const GAP_MARKER = /^\[\d+ bytes? missing in capture file\]\0$/;

export interface FollowedTcp {
  /** `addr:port>addr:port` → the bytes that direction carried, by `-z follow,tcp,raw` */
  flows: Map<string, Buffer>;
  /** the directions of streams where tshark saw segments missing from the capture */
  lossy: Set<string>;
}

export function tsharkFollowTcp(path: string): FollowedTcp {
  const streams = new Set(
    tshark(['-r', path, '-T', 'fields', '-e', 'tcp.stream', '-Y', 'tcp']).split('\n').filter(Boolean),
  );
  const lossyStreams = new Set(
    tshark(['-r', path, '-T', 'fields', '-e', 'tcp.stream', '-Y', 'tcp.analysis.lost_segment'])
      .split('\n')
      .filter(Boolean),
  );
  const flows = new Map<string, Buffer>();
  const lossy = new Set<string>();
  if (streams.size === 0) return { flows, lossy };
  const args = ['-r', path, '-q'];
  for (const s of streams) args.push('-z', `follow,tcp,raw,${s}`);
  for (const block of tshark(args).split(/^={10,}$/m)) {
    const stream = /^Filter: tcp.stream eq (\d+)$/m.exec(block)?.[1];
    const node0 = /^Node 0: (.+)$/m.exec(block)?.[1];
    const node1 = /^Node 1: (.+)$/m.exec(block)?.[1];
    if (!stream || !node0 || !node1) continue;
    const forward = `${node0}>${node1}`;
    const backward = `${node1}>${node0}`;
    if (lossyStreams.has(stream)) lossy.add(forward).add(backward);
    const parts: Record<string, Buffer[]> = { [forward]: [], [backward]: [] };
    for (const line of block.split('\n')) {
      if (!/^\t?[0-9a-f]+$/.test(line)) continue;
      const bytes = Buffer.from(line.trim(), 'hex');
      // tshark writes a marker where the capture lacks bytes; a socket never read those
      if (GAP_MARKER.test(bytes.toString('latin1'))) continue;
      parts[line.startsWith('\t') ? backward : forward].push(bytes);
    }
    for (const [key, list] of Object.entries(parts)) {
      const joined = Buffer.concat([flows.get(key) ?? Buffer.alloc(0), ...list]);
      if (joined.length > 0) flows.set(key, joined);
    }
  }
  return { flows, lossy };
}

/** The endpoint as tshark's follow output prints it. */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** A missing tool skips the check outside CI and fails it in CI, where set-up installs it. */
export function requireTool(t: { skip(msg: string): void }, tool: string): void {
  const message = `${tool} is not installed (apt-get install ${tool === 'dumpcap' ? 'tshark' : tool})`;
  if (process.env.CI === 'true') assert.fail(message);
  t.skip(message);
}
