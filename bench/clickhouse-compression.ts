// What each ClickHouse request-body codec costs: the Native payload of 50,000 spans (made by the
// engine from what the exporter stored) compressed by the JS LZ4 encoder (on the event loop),
// lz4-napi's frame encoder, and zstd levels 1 and 3 (@mongodb-js/zstd), these three on libuv's
// threads. Per MB of payload: the process's CPU (every thread), the event loop's busy time
// (what other work waits for), and the size on the wire. Each result is decoded again and compared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Ack, type Batch } from '@flowtel/core';
import { EmbeddedClient } from '@flowtel/clickhouse';
import { Lz4Scratch, lz4Frame, lz4FrameDecompress, nativeLz4, nativeZstd } from '@flowtel/compression';
import { createStore } from '../exporters/clickhouse/src/clickhouse.ts';
import { configSchema } from '../exporters/clickhouse/src/config.ts';
import { report, selfUsage } from './lib/report.ts';
import { requestSpans, storeSettings } from './lib/store-rig.ts';

const ROWS = 50_000;
const REPEAT = Number(process.env.REPEAT ?? 20);

async function payload(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-compress-'));
  try {
    const store = createStore(storeSettings(dir), configSchema.parse({ endpoint: 'chdb://./store' }), ['traces']);
    await store.open();
    await store.write({ signal: 'traces', data: requestSpans(ROWS), items: ROWS, ack: Ack.none() } as Batch);
    await store.close();
    const client = EmbeddedClient.open(join(dir, 'store'));
    try {
      return await client.query('SELECT * FROM otel.otel_traces', 'Native');
    } finally {
      await client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const native = nativeLz4();
if (!native) throw new Error('lz4-napi does not load here');
const zstd = nativeZstd();
const scratch = new Lz4Scratch();
const CODECS: Record<string, { encode: (b: Buffer) => Promise<Buffer>; decode: (b: Buffer) => Promise<Buffer> }> = {
  lz4_js: {
    encode: async (b) => Buffer.from(lz4Frame([b], scratch)),
    decode: async (b) => lz4FrameDecompress(b, 1 << 30),
  },
  lz4_native: { encode: (b) => native.compressFrame(b), decode: (b) => native.decompressFrame(b) },
  zstd_1: { encode: (b) => zstd.compress(b, 1), decode: (b) => zstd.decompress(b) },
  zstd_3: { encode: (b) => zstd.compress(b, 3), decode: (b) => zstd.decompress(b) },
};

const body = await payload();
const mb = body.length / (1 << 20);
const figures: Record<string, unknown> = { payload_bytes: body.length, rows: ROWS, repeat: REPEAT };
for (const [name, codec] of Object.entries(CODECS)) {
  const check = await codec.decode(await codec.encode(body));
  if (!check.equals(body)) throw new Error(`${name}: the round trip changed the payload`);
  let size = 0;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < REPEAT; r++) size = (await codec.encode(body)).length;
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const perMb = (ms: number) => Math.round((ms / (REPEAT * mb)) * 100) / 100;
  figures[name] = {
    cpu_ms_per_mb: perMb((cpu.user + cpu.system) / 1000),
    event_loop_busy_ms_per_mb: perMb(elu.active),
    wall_ms_per_mb: perMb(wall),
    ratio: Math.round((body.length / size) * 100) / 100,
  };
  process.stderr.write(`[clickhouse-compression] ${name}: ${JSON.stringify(figures[name])}\n`);
}
report('clickhouse-compression', { ...figures, ...selfUsage() });
