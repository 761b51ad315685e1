// Protocol inference without port hints: the first payload of every connection in DeepFlow's
// captures is claimed by the protocol its directory names, and captures of protocols no
// parser handles are claimed by none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import { Direction as SocketDirection, L4Protocol, SocketEventKind, SocketRole } from '@flowtel/pdata';
import { inferProtocol } from '../src/infer.ts';
import { PROTOCOL_PARSERS } from '../src/protocols/index.ts';
import { DEEPFLOW_CAPTURES } from '@flowtel/testkit';

const captures = DEEPFLOW_CAPTURES;

/** Directory → protocols its captures may hold (the MQTT error capture opens with a DNS lookup). */
const EXPECTED: Record<string, string[]> = {
  amqp: ['AMQP'],
  dns: ['DNS'],
  dubbo: ['Dubbo'],
  http: ['HTTP', 'HTTP2'],
  kafka: ['Kafka'],
  memcached: ['Memcached'],
  mongo: ['MongoDB'],
  mqtt: ['MQTT', 'DNS'],
  mysql: ['MySQL'],
  nats: ['NATS'],
  postgre: ['PostgreSQL'],
  redis: ['Redis'],
};
/** Protocols without a parser here: nothing may claim them. */
const UNHANDLED = ['brpc', 'fastcgi', 'krpc', 'openwire', 'pulsar', 'rocketmq', 'sofarpc', 'some_ip', 'tars', 'zmtp'];

test('infer: every capture connection is claimed by its own protocol, and unknown protocols by none', (t) => {
  if (!existsSync(captures)) {
    assert.notEqual(process.env.CI, 'true', `DeepFlow captures missing at ${captures}`);
    t.skip(`DeepFlow captures not found at ${captures}`);
    return;
  }
  for (const dir of [...Object.keys(EXPECTED), ...UNHANDLED]) {
    for (const file of readdirSync(join(captures, dir)).filter((f) => f.endsWith('.pcap'))) {
      const seen = new Set<bigint>();
      for (const e of readCaptureFile(join(captures, dir, file), { perspective: 'client', roles: 'first-packet' })) {
        if (
          e.role !== SocketRole.CLIENT ||
          e.kind !== SocketEventKind.DATA ||
          e.payload.length === 0 ||
          seen.has(e.socketId)
        )
          continue;
        seen.add(e.socketId);
        const direction = e.direction === SocketDirection.EGRESS ? 'toServer' : 'toClient';
        const parser = inferProtocol(
          PROTOCOL_PARSERS,
          e.payload,
          direction,
          e.l4Protocol === L4Protocol.UDP ? 'udp' : 'tcp',
        );
        if (UNHANDLED.includes(dir)) assert.equal(parser, undefined, `${dir}/${file} claimed by ${parser?.name}`);
        else assert.ok(parser && EXPECTED[dir].includes(parser.name), `${dir}/${file}: ${parser?.name ?? 'nothing'}`);
      }
    }
  }
});
