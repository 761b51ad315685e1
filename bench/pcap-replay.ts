// Benchmark (issue 4, item 4): how fast the pcap reader turns a capture into socket events, and
// how fast the pcap receiver replays a file into a pipeline that accepts at once. The capture is
// the real loopback HTTP exchange of receivers/pcap/test/fixtures (a 20 KB POST, a 30 KB
// response, handshake and teardown) repeated as 2,000 connections on distinct client ports.
//   node --import tsx bench/pcap-replay.ts
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testHost, testSettings } from '@flowtel/testkit';
import { CaptureParser, decodeCapture, factory, PcapReceiver } from '@flowtel/receiver-pcap';
import { report, selfUsage } from './lib/report.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2000);
const fixture = readFileSync(new URL('../receivers/pcap/test/fixtures/http-lo.pcapng', import.meta.url));

/** The fixture's connection, repeated on client ports 20000.. and shifted in time. */
function buildCapture(): Buffer {
  const parser = new CaptureParser();
  const frames = parser.push(fixture);
  const clientPort = Buffer.from(frames[0].data).readUInt16BE(34);
  const span = frames[frames.length - 1].timestampNs - frames[0].timestampNs + 1000n;
  const header = fixture.subarray(0, fixture.indexOf(Buffer.from([6, 0, 0, 0]), 28)); // section + interface blocks
  const blocks: Buffer[] = [header];
  for (let c = 0; c < CONNECTIONS; c++) {
    for (const f of frames) {
      const data = Buffer.from(f.data);
      const port = 20000 + c;
      if (data.readUInt16BE(34) === clientPort) data.writeUInt16BE(port, 34);
      if (data.readUInt16BE(36) === clientPort) data.writeUInt16BE(port, 36);
      const ts = f.timestampNs + span * BigInt(c);
      const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
      const block = Buffer.alloc(32 + padded.length);
      block.writeUInt32LE(6, 0);
      block.writeUInt32LE(block.length, 4);
      block.writeUInt32LE(0, 8);
      block.writeUInt32LE(Number(ts >> 32n), 12);
      block.writeUInt32LE(Number(ts & 0xffffffffn), 16);
      block.writeUInt32LE(data.length, 20);
      block.writeUInt32LE(data.length, 24);
      padded.copy(block, 28);
      block.writeUInt32LE(block.length, block.length - 4);
      blocks.push(block);
    }
  }
  return Buffer.concat(blocks);
}

const capture = buildCapture();
const path = join(mkdtempSync(join(tmpdir(), 'bench-pcap-')), 'replay.pcapng');
writeFileSync(path, capture);

/** CPU seconds of this process: on a shared machine, wall time measures the neighbours too */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const readerStart = cpuSeconds();
const events = decodeCapture(capture);
const readerSeconds = cpuSeconds() - readerStart;
const frames = CONNECTIONS * 22;

let delivered = 0;
const receiver = new PcapReceiver(
  testSettings('pcap', 'receiver'),
  factory.configSchema.parse({ file: path, batch_size: 1024 }),
  { traces: { consume: async (b) => void (delivered += b.items) } },
);
const replayStart = cpuSeconds();
await receiver.start(testHost());
const summary = await receiver.finished;
await receiver.shutdown();
const replaySeconds = cpuSeconds() - replayStart;
if (delivered !== events.length || summary.error)
  throw new Error(`replay delivered ${delivered} of ${events.length} events: ${summary.error}`);

report('pcap-replay', {
  connections: CONNECTIONS,
  capture_mib: +(capture.length / 2 ** 20).toFixed(1),
  frames,
  events: events.length,
  // per CPU second of this process (one core)
  reader_frames_per_cpu_s: Math.round(frames / readerSeconds),
  reader_events_per_cpu_s: Math.round(events.length / readerSeconds),
  reader_mib_per_cpu_s: +(capture.length / 2 ** 20 / readerSeconds).toFixed(1),
  receiver_events_per_cpu_s: Math.round(delivered / replaySeconds),
  receiver_mib_per_cpu_s: +(capture.length / 2 ** 20 / replaySeconds).toFixed(1),
  ...selfUsage(),
});
