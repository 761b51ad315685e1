// Live capture on loopback of real curl → node http server exchanges, and the replay half of
// the eBPF issue's end-to-end check: the same traffic, captured at the same time by tshark into
// a file and replayed through the pcap receiver, yields the same events the live capture saw.
// Needs root (or CAP_NET_RAW) and tshark: skipped outside CI without them, failing in CI.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { BatchInput } from '@flowtel/core';
import { Direction, SocketEventKind, SocketRole, type SocketEvent, type SocketEventBatch } from '@flowtel/pdata';
import { freePort, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory, PcapReceiver, readPacketsFile } from '../src/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pcap-live-'));

function missingCapability(): string | undefined {
  if (process.getuid?.() !== 0) return 'live capture needs root (or CAP_NET_RAW)';
  for (const tool of ['tshark', 'dumpcap', 'curl']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) return `${tool} is not installed`;
  }
  return undefined;
}
const missing = missingCapability();
if (missing && process.env.CI === 'true') throw new Error(`live capture tests cannot run in CI: ${missing}`);

function collector(events: SocketEvent[]) {
  return { consume: async (b: BatchInput) => void events.push(...(b.data as SocketEventBatch)) };
}

/** An HTTP server that records the raw bytes each connection received. */
async function startServer(received: Buffer[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (b: Buffer) => body.push(b));
    req.on('end', () => {
      const payload = req.method === 'POST' ? Buffer.concat(body) : Buffer.from(`you asked for ${req.url}\n`);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-echo-length': String(payload.length) });
      res.end(payload);
    });
  });
  server.on('connection', (socket) => socket.on('data', (b: Buffer) => received.push(b)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/**
 * tshark writing the loopback traffic of one port to a file. "Capturing on" comes before the
 * capture really runs, so it also captures a probe UDP port, and we knock there until the file
 * shows a knock: from then on nothing is missed.
 */
async function startTshark(port: number, path: string) {
  const probePort = await freePort();
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port} or udp port ${probePort}`, '-w', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const knocker = createSocket('udp4');
  await waitFor(
    'tshark to capture',
    async () => {
      if (child.exitCode !== null) throw new Error(`tshark exited: ${stderr}`);
      knocker.send('knock', probePort, '127.0.0.1');
      return packetsWritten(path) > 0;
    },
    90_000,
    100,
  );
  knocker.close();
  return {
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('close', resolve));
    },
  };
}

/** TCP/UDP packets in a capture file that is still being written (0 while its end is mid-block). */
function packetsWritten(path: string): number {
  try {
    return readPacketsFile(path).length;
  } catch {
    return 0;
  }
}

/** The events minus timestamps; sockets numbered by first appearance (the knocks took ids in the file). */
function comparable(events: SocketEvent[]) {
  const sockets = new Map<bigint, number>();
  return events.map((e) => {
    if (!sockets.has(e.socketId)) sockets.set(e.socketId, sockets.size);
    return {
      kind: e.kind,
      role: e.role,
      direction: e.direction,
      socket: sockets.get(e.socketId),
      local: `${e.localAddr}:${e.localPort}`,
      remote: `${e.remoteAddr}:${e.remotePort}`,
      byteCount: e.byteCount,
      payload: createHash('sha256').update(e.payload).digest('hex'),
    };
  });
}

const bytesOf = (events: SocketEvent[], role: number, direction: number) =>
  Buffer.concat(
    events
      .filter((e) => e.kind === SocketEventKind.DATA && e.role === role && e.direction === direction)
      .map((e) => Buffer.from(e.payload)),
  );

describe('live capture on lo', { skip: missing }, () => {
  const live: SocketEvent[] = [];
  const serverReceived: Buffer[] = [];
  const curlOutputs: Buffer[] = [];
  const capturePath = join(dir, 'tshark-lo.pcapng');
  let server: Server;
  let port = 0;

  before(async () => {
    ({ server, port } = await startServer(serverReceived));
    const config = factory.configSchema.parse({
      interface: 'lo',
      bpf_filter: `tcp port ${port}`,
      batch_timeout: '50ms',
      batch_size: 64,
    });
    const receiver = new PcapReceiver(testSettings('pcap/live', 'receiver'), config, { traces: collector(live) });
    await receiver.start(testHost());
    const tshark = await startTshark(port, capturePath);
    try {
      const body = Buffer.alloc(150_000, 'flowtel!');
      const url = `http://127.0.0.1:${port}`;
      // one connection: a GET then a 150 KB POST (many segments), curl printing the raw response
      const post = spawn('curl', [
        '-s',
        '-i',
        '--raw',
        `${url}/first`,
        '--next',
        '-s',
        '-i',
        '--raw',
        '--data-binary',
        '@-',
        `${url}/upload`,
      ]);
      const out: Buffer[] = [];
      post.stdout.on('data', (b: Buffer) => out.push(b));
      post.stdin.end(body);
      await new Promise((resolve) => post.once('close', resolve));
      curlOutputs.push(Buffer.concat(out));
      // a second connection
      curlOutputs.push((await run('curl', ['-s', '-i', '--raw', `${url}/second`], { encoding: 'buffer' })).stdout);
      await waitFor(
        'both connections to close in the live capture',
        async () => live.filter((e) => e.kind === SocketEventKind.CLOSE).length === 4,
      );
      // dumpcap flushes its file about once a second; the knocks are in it too
      await waitFor(
        'tshark to write every packet the live capture saw',
        async () => {
          const tcp =
            packetsWritten(capturePath) && readPacketsFile(capturePath).filter((p) => p.protocol === 6).length;
          return tcp >= receiver.stats!.packets;
        },
        90_000,
        200,
      );
    } finally {
      await tshark.stop();
      await receiver.shutdown();
      server.close();
    }
  });

  after(() => server?.close());

  test('handshakes, roles, ports and the bytes both sockets saw, as the server and curl saw them', () => {
    const connects = live.filter((e) => e.kind === SocketEventKind.CONNECT);
    const accepts = live.filter((e) => e.kind === SocketEventKind.ACCEPT);
    assert.equal(connects.length, 2);
    assert.equal(accepts.length, 2);
    for (const c of connects) {
      assert.equal(c.role, SocketRole.CLIENT);
      assert.equal(c.remotePort, port);
      assert.equal(c.localAddr, '127.0.0.1');
    }
    assert.ok(accepts.every((a) => a.role === SocketRole.SERVER && a.localPort === port));
    assert.ok(live.every((e) => e.pid === 0 && e.comm === '' && e.l4Protocol === 6));

    const requests = bytesOf(live, SocketRole.CLIENT, Direction.EGRESS);
    assert.deepEqual(requests, Buffer.concat(serverReceived), 'what the clients wrote is what the server read');
    assert.deepEqual(bytesOf(live, SocketRole.SERVER, Direction.INGRESS), requests);
    const responses = bytesOf(live, SocketRole.SERVER, Direction.EGRESS);
    assert.deepEqual(responses, Buffer.concat(curlOutputs), 'what the server wrote is what curl printed');
    assert.deepEqual(bytesOf(live, SocketRole.CLIENT, Direction.INGRESS), responses);
    assert.match(requests.toString('latin1'), /^GET \/first HTTP\/1.1\r\n/);
    assert.match(requests.toString('latin1'), /POST \/upload HTTP\/1.1\r\n/);
    assert.match(responses.toString('latin1'), /x-echo-length: 150000\r\n/);
  });

  test('the same traffic captured by tshark and replayed through the pcap receiver gives the same events', async () => {
    const replayed: SocketEvent[] = [];
    let shutdownRequested = '';
    const config = factory.configSchema.parse({ file: capturePath, exit_on_eof: true, batch_size: 16 });
    const receiver = new PcapReceiver(
      testSettings('pcap/replay', 'receiver'),
      config,
      { traces: collector(replayed) },
      {
        requestShutdown: (reason) => (shutdownRequested = reason),
      },
    );
    await receiver.start(testHost());
    const summary = await receiver.finished;
    await receiver.shutdown();
    assert.equal(summary.error, undefined);
    assert.match(shutdownRequested, /replayed/);
    const replayedTcp = replayed.filter((e) => e.l4Protocol === 6); // not tshark's start-up knocks
    assert.deepEqual(comparable(replayedTcp), comparable(live));
    // two capture sockets, each stamped by the kernel as it delivered the packet
    const skewNs = replayedTcp.map((e, i) => Math.abs(Number(e.timestampNs - live[i].timestampNs)));
    assert.ok(Math.max(...skewNs) < 5_000_000, `timestamps differ by up to ${Math.max(...skewNs)} ns`);
  });
});

describe('live capture that cannot start', { skip: missing }, () => {
  const start = async (config: Record<string, unknown>) => {
    const receiver = new PcapReceiver(testSettings('pcap/bad', 'receiver'), factory.configSchema.parse(config), {
      traces: collector([]),
    });
    try {
      await receiver.start(testHost());
    } finally {
      await receiver.shutdown();
    }
  };

  test("an unknown interface: start() rejects with the capture tool's own words", async () => {
    await assert.rejects(
      start({ interface: 'nosuchif0' }),
      /dumpcap could not capture on nosuchif0 \(exit \d+\): .*nosuchif0/s,
    );
  });

  test('a bad filter: start() rejects and says so', async () => {
    await assert.rejects(
      start({ interface: 'lo', bpf_filter: 'tcp port banana(' }),
      /could not capture on lo .*filter/is,
    );
  });
});
