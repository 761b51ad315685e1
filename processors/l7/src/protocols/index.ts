// Every protocol parser, in the order inference tries them: the most specific signatures
// first, so a loose check (a text line, a length prefix) does not claim another protocol's bytes.

import type { ProtocolParser } from '../parser.ts';
import { amqp } from './amqp.ts';
import { dns } from './dns.ts';
import { dubbo } from './dubbo.ts';
import { http1 } from './http1.ts';
import { http2 } from './http2.ts';
import { kafka } from './kafka.ts';
import { memcached } from './memcached.ts';
import { mongodb } from './mongodb.ts';
import { mqtt } from './mqtt.ts';
import { mysql } from './mysql.ts';
import { nats } from './nats.ts';
import { postgresql } from './postgresql.ts';
import { redis } from './redis.ts';

export const PROTOCOL_PARSERS: readonly ProtocolParser<any>[] = [
  http1,
  redis,
  memcached,
  mysql,
  postgresql,
  mongodb,
  kafka,
  mqtt,
  amqp,
  nats,
  dubbo,
  http2,
  dns,
];

export { amqp, dns, dubbo, http1, http2, kafka, memcached, mongodb, mqtt, mysql, nats, postgresql, redis };
