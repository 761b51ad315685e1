import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTcpMetrics, TCP_METRICS_LAYOUT, TcpConnectFailure, TcpReport, writeTcpMetrics } from '../src/index.ts';

const figures = {
  report: TcpReport.CONNECT_FAILED,
  failure: TcpConnectFailure.TIMED_OUT,
  oldState: 2,
  connectLatencyNs: 2 ** 40 + 7,
  srttUs: 1234,
  rttvarUs: 56,
  retransmits: 3,
  synRetransmits: 2,
  totalRetrans: 4,
  resetsSent: 1,
  resetsReceived: 0,
  zeroWindows: 9,
  bytesAcked: 2 ** 33 + 1,
  bytesReceived: 0xffffffff,
  segsOut: 10,
  segsIn: 11,
};

test('TCP event payload: every field round-trips, 64-bit counters beyond 32 bits included', () => {
  const payload = writeTcpMetrics(figures);
  assert.equal(payload.length, TCP_METRICS_LAYOUT.size);
  assert.deepEqual(readTcpMetrics(payload), figures);
  // little-endian at the C struct's offsets (bpf/tcp_metrics.h)
  assert.equal(new DataView(payload.buffer).getUint32(TCP_METRICS_LAYOUT.srtt_us, true), 1234);
  assert.equal(new DataView(payload.buffer).getUint32(TCP_METRICS_LAYOUT.bytes_acked + 4, true), 2);
});

test('TCP event payload: a payload too short to hold the figures reads as none', () => {
  assert.equal(readTcpMetrics(new Uint8Array(TCP_METRICS_LAYOUT.size - 1)), undefined);
  // a view into a larger buffer reads from its own offset
  const inside = new Uint8Array(TCP_METRICS_LAYOUT.size + 8);
  inside.set(writeTcpMetrics(figures), 8);
  assert.deepEqual(readTcpMetrics(inside.subarray(8)), figures);
});
