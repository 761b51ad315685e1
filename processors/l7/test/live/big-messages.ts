// The messages larger than a capture head that the live tests send for the protocols whose
// bodies the parser skips (through eBPF and through a capture cut by a snap length): each runs
// the real clients against a real server and checks the server's answers.
import assert from 'node:assert/strict';
import { runClient } from '../../../../ebpf-receiver/test/servers.ts';

/** Writes each step's bytes, then waits until what it read matches the step's pattern; prints what it read of each step. */
const SCRIPTED_CLIENT = `
const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
const steps = JSON.parse(process.argv[2]).map(([send, until]) => [send, new RegExp(until)]);
const seen = [];
let buffered = '';
let step;
function next() {
  step = steps.shift();
  if (step === undefined) { socket.end(); console.log(JSON.stringify(seen)); return; }
  socket.write(step[0]);
  check();
}
function check() {
  if (step === undefined || !step[1].test(buffered)) return;
  seen.push(buffered.length > 200 ? buffered.length : buffered);
  buffered = '';
  next();
}
socket.on('data', (d) => { buffered += d; check(); });
socket.on('connect', next);`;

/** A node client (service `node`) that sends each step and waits for its answer on one connection. */
export const scripted = (port: number, steps: Array<[string, string]>) =>
  runClient(process.execPath, ['-e', SCRIPTED_CLIENT, String(port), JSON.stringify(steps)]);

export const MEMCACHED_VALUE = 64 * 1024;

/** A memcached set of a 64 KiB value, then a get of it and a miss, on one connection. */
export async function memcachedBigValue(port: number): Promise<void> {
  const value = 'm'.repeat(MEMCACHED_VALUE);
  const client = await scripted(port, [
    [`set big 0 0 ${value.length}\r\n${value}\r\n`, 'STORED\r\n$'],
    ['get big\r\n', 'END\r\n$'],
    ['get absent\r\n', '^END\r\n$'],
  ]);
  assert.equal(client.code, 0, client.stderr.toString());
  const replies = JSON.parse(client.stdout.toString());
  assert.equal(replies[0], 'STORED\r\n');
  assert.equal(
    replies[1],
    `VALUE big 0 ${value.length}\r\n${value}\r\nEND\r\n`.length,
    'memcached gave the value back',
  );
}

/** dnsmasq's records: 120 addresses for one name (an answer larger than the head), one for another. */
export const DNS_RECORDS = {
  'many.flowtel.test': Array.from({ length: 120 }, (_, i) => `127.1.${i >> 8}.${(i & 255) + 1}`),
  'one.flowtel.test': '127.2.0.1',
};

/** dig asking both names on one TCP connection (+keepopen), the 120-record answer first. */
export async function digBothOverTcp(port: number): Promise<void> {
  const dig = await runClient('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    '+tcp',
    '+keepopen',
    '+tries=1',
    '+time=5',
    'many.flowtel.test',
    'A',
    'one.flowtel.test',
    'A',
  ]);
  assert.equal(dig.code, 0, dig.stderr.toString());
  assert.match(dig.stdout.toString(), /ANSWER: 120,/);
  assert.match(dig.stdout.toString(), /127\.2\.0\.1/);
}

export const AMQP_BODY = 70_000;

/** amqp-declare-queue, amqp-publish of a 70,000-byte body, then amqp-get of it: three connections. */
export async function amqpPublishAndGet(port: number): Promise<void> {
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const body = 'a'.repeat(AMQP_BODY);
  for (const [tool, args] of [
    ['amqp-declare-queue', ['-q', 'big']],
    ['amqp-publish', ['-r', 'big', '-b', body]],
  ] as const) {
    const run = await runClient(tool, ['--url', url, ...args]);
    assert.equal(run.code, 0, `${tool}: ${run.stderr}`);
  }
  const got = await runClient('amqp-get', ['--url', url, '-q', 'big']);
  assert.equal(got.code, 0, got.stderr.toString());
  assert.equal(got.stdout.toString(), body, 'rabbitmq gave the body back');
}

export const NATS_PAYLOAD = 64 * 1024;

/** A NATS publisher: a PUB of 64 KiB, then a small PUB and a PING, on one connection. */
export async function natsPublish(port: number): Promise<void> {
  const payload = 'n'.repeat(NATS_PAYLOAD);
  const publisher = await scripted(port, [
    ['CONNECT {"verbose":false}\r\nPING\r\n', 'PONG\r\n$'],
    [`PUB big.subject ${payload.length}\r\n${payload}\r\n`, ''],
    ['PUB small.subject 5\r\nafter\r\nPING\r\n', 'PONG\r\n$'],
  ]);
  assert.equal(publisher.code, 0, publisher.stderr.toString());
}
