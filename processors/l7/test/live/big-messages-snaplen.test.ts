// The exchanges of big-messages.test.ts (a memcached value of 64 KiB, a NATS PUB of 64 KiB, an
// AMQP body of 70,000 bytes, a DNS-over-TCP answer of 120 records), recorded from loopback by
// dumpcap and cut by editcap to a snap length that keeps 1 KiB of each segment's payload. Through
// the pcap reader and the l7 engine, the cut recording gives the records of the whole one on
// both ends, the big messages read from their heads and marked, and the messages after them whole
// (or, for a request sent in the big message's last segment, as much as the recorded packets kept).
import { test } from 'node:test';
import { startDnsmasq, startMemcached, startNats, startRabbitmq } from '@flowtel/testkit';
import { DNS_RECORDS, amqpPublishAndGet, digBothOverTcp, memcachedBigValue, natsPublish } from './big-messages.ts';
import { lastOf, occurrences, sameRecordsFromTheHeads } from './snaplen.ts';

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
