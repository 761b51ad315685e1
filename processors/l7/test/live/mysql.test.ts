// MySQL protocol on live traffic: the mariadb client over TCP against a fresh mariadbd.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mariadbTcpLogin, startMariadb } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture } from './capture.ts';

test('mariadb client and server: queries with literals redacted, an error code, parent links', async (t) => {
  if (skipUnlessLive(t, ['mariadbd', 'mariadb-install-db', 'mariadb'])) return;
  const db = await startMariadb();
  t.after(() => db.stop());
  const capture = await startCapture(t, [db.port]);

  const sql = `CREATE TABLE items (id INT, name VARCHAR(40));
INSERT INTO items VALUES (1, 'live-maria-secret');
SELECT name FROM items WHERE id = 1;
SELECT * FROM no_such_table;
`;
  const client = await runClient('mariadb', mariadbTcpLogin(db), sql);
  assert.match(client.stderr, /1146/, 'the last statement fails: no such table');

  const texts = [
    'INSERT INTO items VALUES (?, ?)',
    'SELECT name FROM items WHERE id = ?',
    'SELECT * FROM no_such_table',
  ];
  const spans = await capture.waitForSpans('the client and server spans of every statement', (all) => {
    const have = (service: string, kind: number) =>
      texts.every((text) => spansOf(all, service, kind).some((s) => s.attributes['db.query.text'] === text));
    return have('mariadb', SpanKind.CLIENT) && have('mariadbd', SpanKind.SERVER) ? all : undefined;
  });

  const clientSpans = spansOf(spans, 'mariadb', SpanKind.CLIENT);
  const byText = (text: string) => clientSpans.find((s) => s.attributes['db.query.text'] === text)!;
  for (const text of texts) {
    const span = byText(text);
    assert.equal(span.attributes['db.system.name'], 'mysql');
    assert.equal(span.attributes['server.port'], db.port);
    const server = spans.find((s) => s.parentSpanId === span.spanId);
    assert.ok(server, `mariadbd's span for "${text}" is the child of the client's`);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.attributes['db.query.text'], text);
  }
  assert.equal(byText(texts[0]).attributes['db.operation.name'], 'INSERT');
  assert.equal(byText(texts[1]).attributes['db.operation.name'], 'SELECT');
  const failed = byText(texts[2]);
  assert.equal(failed.status.code, 2);
  assert.equal(failed.attributes['db.response.status_code'], '1146');
  assert.doesNotMatch(readFileSync(capture.path, 'utf8'), /live-maria-secret/);
  assert.equal(await capture.collector.stop(), 0);
});
