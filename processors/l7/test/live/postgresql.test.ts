// PostgreSQL on live traffic: psql (simple query protocol) and pgbench (extended protocol,
// one Parse/Bind/Execute/Sync per transaction) against a fresh cluster.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startPostgres } from '@flowtel/testkit';
import { SpanKind, parentOf, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

test('psql and pgbench: operations and redacted query text on both ends, parent links, every pgbench query a span', async (t) => {
  if (skipUnlessLive(t, ['psql', 'pgbench', 'runuser'])) return;
  const pg = await startPostgres();
  t.after(() => pg.stop());
  const connect = ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user];
  const init = await runClient('pgbench', [...connect, '-i', '-s', '1', '-q', pg.database]);
  assert.equal(init.code, 0, init.stderr);
  const capture = await startCapture(t, [pg.port]);

  const psql = await runClient('psql', [
    ...connect,
    '-d',
    pg.database,
    '-v',
    'ON_ERROR_STOP=0',
    '-X',
    '-q',
    '-c',
    'CREATE TABLE items (id int, name text)',
    '-c',
    "INSERT INTO items VALUES (1, 'live-pg-secret')",
    '-c',
    'SELECT name FROM items WHERE id = 1',
    '-c',
    'SELECT * FROM no_such_table',
  ]);
  assert.match(psql.stderr, /no_such_table/);
  const transactions = 40;
  const bench = await runClient('pgbench', [
    ...connect,
    '-S',
    '-M',
    'extended',
    '-c',
    '2',
    '-t',
    String(transactions / 2),
    '-n',
    pg.database,
  ]);
  assert.equal(bench.code, 0, bench.stderr);

  const benchQueries = (all: LiveSpan[], service: string, kind: number) =>
    spansOf(all, service, kind).filter((s) =>
      String(s.attributes['db.query.text']).includes('FROM pgbench_accounts WHERE aid'),
    );
  const spans = await capture.waitForSpans(`${transactions} pgbench queries on both ends`, (all) =>
    benchQueries(all, 'postgres', SpanKind.SERVER).length >= transactions &&
    benchQueries(all, 'pgbench', SpanKind.CLIENT).length >= transactions &&
    spansOf(all, 'psql', SpanKind.CLIENT).length >= 4
      ? all
      : undefined,
  );

  const psqlSpans = spansOf(spans, 'psql', SpanKind.CLIENT);
  const byText = (text: string) => psqlSpans.find((s) => s.attributes['db.query.text'] === text);
  const insert = byText('INSERT INTO items VALUES (?, ?)');
  assert.ok(
    insert,
    `the INSERT with its literals redacted (saw ${psqlSpans.map((s) => s.attributes['db.query.text']).join(' | ')})`,
  );
  assert.equal(insert.attributes['db.operation.name'], 'INSERT');
  assert.equal(insert.attributes['db.system.name'], 'postgresql');
  const select = byText('SELECT name FROM items WHERE id = ?');
  assert.ok(select);
  assert.equal(select.attributes['db.operation.name'], 'SELECT');
  const failed = byText('SELECT * FROM no_such_table');
  assert.ok(failed);
  assert.equal(failed.status.code, 2);
  assert.equal(failed.attributes['db.response.status_code'], '42P01', 'SQLSTATE undefined_table');
  for (const client of [insert, select, failed]) {
    const server = spans.find((s) => s.parentSpanId === client.spanId);
    assert.ok(server, `postgres's span for ${client.name} is the child of psql's`);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.service, 'postgres');
    assert.equal(server.attributes['db.query.text'], client.attributes['db.query.text']);
  }

  const serverQueries = benchQueries(spans, 'postgres', SpanKind.SERVER);
  assert.equal(serverQueries.length, transactions, 'one server span per pgbench transaction');
  assert.equal(benchQueries(spans, 'pgbench', SpanKind.CLIENT).length, transactions);
  for (const s of serverQueries) {
    assert.equal(s.attributes['db.operation.name'], 'SELECT');
    assert.equal(s.attributes['db.query.text'], 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;');
    assert.equal(parentOf(s, spans)?.service, 'pgbench');
  }
  assert.doesNotMatch(readFileSync(capture.path, 'utf8'), /live-pg-secret/);
  assert.equal(await capture.collector.stop(), 0);
});
