// The exchanges of big-messages.test.ts (a memcached value of 64 KiB, a NATS PUB of 64 KiB, an
// AMQP body of 70,000 bytes, a DNS-over-TCP answer of 120 records), recorded from loopback by
// dumpcap and cut by editcap to a snap length that keeps 1 KiB of each segment's payload. Through
// the pcap reader and the l7 engine, the cut recording gives the records of the whole one on
// both ends, the big messages read from their heads and marked, and the messages after them whole
// (or, for a request sent in the big message's last segment, as much as the recorded packets kept).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startDnsmasq, startMemcached, startNats, startRabbitmq, type RunningServer } from '@flowtel/testkit';
import type { L7Record } from '../../src/record.ts';
import { recordsOfCapture } from '../helpers.ts';
import { DNS_RECORDS, amqpPublishAndGet, digBothOverTcp, memcachedBigValue, natsPublish } from './big-messages.ts';
import { HEAD } from './big-requests.ts';
import { keptOf, occurrences, recordLoopback, sentBytes, skipUnlessDumpcap } from './snaplen.ts';

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
    const forms = [r, ...answerAlone([r])].map(summary);
    const at = rest.findIndex((a) => forms.includes(summary(a)));
    if (at >= 0) rest.splice(at, 1);
  }
  return rest;
}

/** The last place of `message` in `bytes`, as keptOf's locator wants it. */
const lastOf =
  (message: string | Buffer) =>
  (bytes: Buffer): [number, number] | undefined => {
    const at = bytes.lastIndexOf(message);
    return at < 0 ? undefined : [at, at + Buffer.byteLength(message)];
  };

async function sameRecordsFromTheHeads(t: TestContext, c: Case): Promise<void> {
  if (skipUnlessDumpcap(t, c.tools)) return;
  const server = await c.start();
  t.after(() => server.stop());
  const recordings = await recordLoopback(t, server.port, () => c.exchange(server.port), c.complete, HEAD);

  const expected = recordsOfCapture(recordings.whole);
  assert.deepEqual(expected.filter(marked).map(summary), [], 'the whole recording: every message whole');
  const bigOnes = expected.filter(c.big);
  for (const role of ['client', 'server'])
    assert.ok(
      bigOnes.some((r) => r.conn.role === role),
      `the whole recording: a big message on the ${role} end`,
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
    actual.map(summary).sort(),
    [...expected.filter((r) => !lost.includes(r) && !split.includes(r)), ...answerAlone(lost)].map(summary).sort(),
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

test('nats-server cut by a snap length: the PUB of 64 KiB from its head, the PUB and PING after it as the packets kept them', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: ['nats-server'],
    start: startNats,
    exchange: natsPublish,
    // the PING after the small PUB is the second one answered
    complete: (b) => occurrences(b, 'PONG\r\n') === 2,
    big: (r) => r.request?.request_resource === 'big.subject',
    // the small PUB and the last PING are one write, right behind the big payload
    sentBehindBig: (r, all) =>
      r.request?.request_resource === 'small.subject'
        ? lastOf('PUB small.subject 5\r\nafter\r\n')
        : r.request?.request_type === 'PING' &&
            !all.some((p) => p.conn === r.conn && p.request?.request_type === 'PING' && p.startNs > r.startNs)
          ? lastOf('PING\r\n')
          : undefined,
  }));

/** An AMQP Connection.CloseOk frame: the broker's last words on each of the three connections. */
const CLOSE_OK = Buffer.from([1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0xce]);

test('rabbitmq-server cut by a snap length: the publish and the get of 70,000 bytes from their heads, the Channel.Close behind the body as the packets kept it', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: ['amqp-publish', 'amqp-get', 'amqp-declare-queue'],
    start: startRabbitmq,
    exchange: amqpPublishAndGet,
    complete: (b) => occurrences(b, CLOSE_OK) === 3,
    big: (r) => r.request?.request_type === 'Basic.Publish' || r.request?.request_type === 'Basic.Get',
    // amqp-publish sends its Channel.Close right after the body: the body's last byte, its frame
    // end, then a method frame on channel 1 (type, channel, size, payload, frame end)
    sentBehindBig: (r, all) =>
      r.request?.request_type === 'Channel.Close' &&
      all.some((p) => p.request?.request_type === 'Basic.Publish' && p.conn.flow === r.conn.flow)
        ? (bytes) => {
            const at = bytes.indexOf(Buffer.from([0x61, 0xce, 1, 0, 1]));
            return at < 0 || at + 7 > bytes.length ? undefined : [at + 2, at + 2 + 7 + bytes.readUInt32BE(at + 5) + 1];
          }
        : undefined,
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
