// Memcached text protocol on live traffic: a small Node client over TCP against memcached.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMemcached } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture } from './capture.ts';

/** Sends each command, waits for its reply, and prints the replies as JSON. */
const CLIENT = `
const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
const commands = JSON.parse(process.argv[2]);
const replies = [];
let buffered = '';
socket.on('data', (d) => {
  buffered += d;
  if (!/(STORED|END|DELETED|NOT_FOUND|ERROR)\\r\\n$/.test(buffered)) return;
  replies.push(buffered.trim());
  buffered = '';
  next();
});
function next() {
  const command = commands.shift();
  if (command === undefined) { socket.end(); console.log(JSON.stringify(replies)); return; }
  socket.write(command);
}
socket.on('connect', next);`;

test('memcached: set, get (hit and miss) and delete on both ends, parent links', async (t) => {
  if (skipUnlessLive(t, ['memcached'])) return;
  const server = await startMemcached();
  t.after(() => server.stop());
  const capture = await startCapture(t, [server.port]);

  const commands = [
    'set greeting 0 0 5\r\nhello\r\n',
    'get greeting\r\n',
    'get absent\r\n',
    'delete greeting\r\n',
    'delete greeting\r\n',
  ];
  const client = await runClient(process.execPath, ['-e', CLIENT, String(server.port), JSON.stringify(commands)]);
  assert.deepEqual(JSON.parse(client.stdout.toString()), [
    'STORED',
    'VALUE greeting 0 5\r\nhello\r\nEND',
    'END',
    'DELETED',
    'NOT_FOUND',
  ]);

  const spans = await capture.waitForSpans('five client and five server spans', (all) =>
    spansOf(all, 'node', SpanKind.CLIENT).length >= 5 && all.filter((s) => s.kind === SpanKind.SERVER).length >= 5
      ? all
      : undefined,
  );
  const clientSpans = spansOf(spans, 'node', SpanKind.CLIENT);
  assert.deepEqual(clientSpans.map((s) => s.attributes['db.operation.name']).sort(), [
    'delete',
    'delete',
    'get',
    'get',
    'set',
  ]);
  for (const s of clientSpans) {
    assert.equal(s.attributes['db.system.name'], 'memcached');
    assert.equal(s.attributes['server.port'], server.port);
    const served = spans.find((o) => o.parentSpanId === s.spanId);
    assert.ok(served, `memcached's span for ${s.name} is the child of the client's`);
    assert.equal(served.kind, SpanKind.SERVER);
    assert.equal(served.attributes['db.operation.name'], s.attributes['db.operation.name']);
  }
  assert.equal(await capture.collector.stop(), 0);
});
