// The exchanges of big-messages.test.ts (a memcached value of 64 KiB, a NATS PUB of 64 KiB, an
// AMQP body of 70,000 bytes, a DNS-over-TCP answer of 120 records), recorded from loopback by
// dumpcap and cut by editcap to a snap length that keeps 1 KiB of each segment's payload. Through
// the pcap reader and the l7 engine, the cut recording gives the records of the whole one on
// both ends, the big messages read from their heads and marked, and the messages after them whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { startDnsmasq, startMemcached, startNats, startRabbitmq, type RunningServer } from '@flowtel/testkit';
import type { L7Record } from '../../src/record.ts';
import { recordsOfCapture } from '../helpers.ts';
import { DNS_RECORDS, amqpPublishAndGet, digBothOverTcp, memcachedBigValue, natsPublish } from './big-messages.ts';
import { HEAD } from './big-requests.ts';
import { occurrences, recordLoopback, skipUnlessDumpcap } from './snaplen.ts';

/** What a record says of its exchange, beside the capture marks. */
const summary = (r: L7Record) =>
  [
    r.conn.role,
    r.protocol,
    r.request?.request_type,
    r.request?.request_resource,
    r.response?.response_code,
    r.response?.response_status,
    r.unanswered ? 'unanswered' : '',
  ].join(' | ');

const marked = (r: L7Record) => r.request?.captured !== undefined || r.response?.captured !== undefined;

interface Case {
  tools: string[];
  start(): Promise<RunningServer>;
  exchange(port: number): Promise<void>;
  /** the recording holds the exchange's last message */
  complete(recording: Buffer): boolean;
  /** a record of a message larger than the head: the cut recording has only its head */
  big(r: L7Record): boolean;
  /**
   * A record whose request the client wrote so soon after a big message that TCP sent it in the
   * big message's last segment, past what a snap length keeps (Linux coalesces writes queued
   * behind unsent data): the whole `recording` shows it beside the big message's last bytes. The
   * cut recording cannot hold that request; it gives the answer alone, if there is one.
   */
  cutAway?(r: L7Record, all: L7Record[], recording: Buffer): boolean;
}

/** What a cut recording gives of a record whose request it lost: its response alone. */
const answerAlone = (lost: L7Record[]): L7Record[] =>
  lost.filter((r) => r.response).map((r) => ({ ...r, request: undefined }));

async function sameRecordsFromTheHeads(t: TestContext, c: Case): Promise<void> {
  if (skipUnlessDumpcap(t, c.tools)) return;
  const server = await c.start();
  t.after(() => server.stop());
  const { whole, cut } = await recordLoopback(t, server.port, () => c.exchange(server.port), c.complete, HEAD);

  const expected = recordsOfCapture(whole);
  assert.deepEqual(expected.filter(marked).map(summary), [], 'the whole recording: every message whole');
  const bigOnes = expected.filter(c.big);
  for (const role of ['client', 'server'])
    assert.ok(
      bigOnes.some((r) => r.conn.role === role),
      `the whole recording: a big message on the ${role} end`,
    );
  const recording = readFileSync(whole);
  const lost = expected.filter((r) => c.cutAway?.(r, expected, recording));
  const actual = recordsOfCapture(cut);
  assert.deepEqual(
    actual.map(summary).sort(),
    [...expected.filter((r) => !lost.includes(r)), ...answerAlone(lost)].map(summary).sort(),
    'the cut recording: the same records',
  );
  assert.deepEqual(
    actual.filter(marked).map(summary).sort(),
    bigOnes.map(summary).sort(),
    'the cut recording: the big messages, and only they, read from their heads',
  );
}

test('memcached cut by a snap length: the set of 64 KiB and the get of it from their heads, the miss after them whole', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: ['memcached'],
    start: startMemcached,
    exchange: memcachedBigValue,
    // END closes the VALUE reply and answers the miss
    complete: (b) => occurrences(b, 'END\r\n') === 2,
    big: (r) => r.request?.request_resource?.includes('big') === true,
  }));

// Skipped: a fresh-clone CI (87a0bb6) saw the cut recording keep the small PUB and the last PING
// that `cutAway` expected the cut to drop: whether they share a packet with the payload's tail
// depends on TCP segmentation, not only on the write. The NATS head path stays covered live
// (big-messages.test.ts); the expectation must follow the recorded packets before this runs again.
test(
  'nats-server cut by a snap length: the PUB of 64 KiB from its head, the PUB and PING after it whole',
  { skip: 'the expected cut depends on TCP segmentation (see above)' },
  (t) =>
    sameRecordsFromTheHeads(t, {
      tools: ['nats-server'],
      start: startNats,
      exchange: natsPublish,
      // the PING after the small PUB is the second one answered
      complete: (b) => occurrences(b, 'PONG\r\n') === 2,
      big: (r) => r.request?.request_resource === 'big.subject',
      // the small PUB and the last PING are one write, sent right after the big payload
      cutAway: (r, all, recording) =>
        (r.request?.request_resource === 'small.subject' ||
          (r.request?.request_type === 'PING' &&
            !all.some((p) => p.conn === r.conn && p.request?.request_type === 'PING' && p.startNs > r.startNs))) &&
        recording.includes('n\r\nPUB small.subject'),
    }),
);

/** An AMQP Connection.CloseOk frame: the broker's last words on each of the three connections. */
const CLOSE_OK = Buffer.from([1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0xce]);

test('rabbitmq-server cut by a snap length: the publish and the get of 70,000 bytes from their heads, the closes whole but the one sent with the body', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: ['amqp-publish', 'amqp-get', 'amqp-declare-queue'],
    start: startRabbitmq,
    exchange: amqpPublishAndGet,
    complete: (b) => occurrences(b, CLOSE_OK) === 3,
    big: (r) => r.request?.request_type === 'Basic.Publish' || r.request?.request_type === 'Basic.Get',
    // amqp-publish sends its Channel.Close right after the body: the body's last byte, its frame
    // end, then a method frame on channel 1
    cutAway: (r, all, recording) =>
      r.request?.request_type === 'Channel.Close' &&
      all.some((p) => p.request?.request_type === 'Basic.Publish' && p.conn.flow === r.conn.flow) &&
      recording.includes(Buffer.from([0x61, 0xce, 1, 0, 1])),
  }));

test('dnsmasq cut by a snap length: the 120-record answer over TCP from its head, the next answer whole', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: ['dnsmasq', 'dig'],
    start: () => startDnsmasq(DNS_RECORDS),
    exchange: digBothOverTcp,
    // one.flowtel.test's address, in the last answer
    complete: (b) => b.includes(Buffer.from([127, 2, 0, 1])),
    big: (r) => r.request?.request_resource === 'many.flowtel.test',
  }));
