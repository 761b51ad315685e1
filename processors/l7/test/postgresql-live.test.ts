// A real PostgreSQL server, psql (simple query protocol) and pgbench -M prepared (extended
// protocol) talking through a recording proxy: the recorded bytes parse into the statements
// sent and their answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startPostgres } from '@flowtel/testkit';
import type { L7Message } from '../src/message.ts';
import { postgresql } from '../src/protocols/postgresql.ts';
import { feed } from './helpers.ts';
import { tapProxy } from './tap-proxy.ts';

const BIN = '/usr/lib/postgresql/15/bin';

/** Runs a client to completion without blocking this process (the proxy lives here). */
function run(command: string, args: string[], input = ''): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function postgresUid(): number | undefined {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  return id.status === 0 ? Number(id.stdout.trim()) : undefined;
}

test('postgresql live: psql and pgbench -M prepared through a tap', async (t) => {
  const uid = postgresUid();
  const usable =
    existsSync(`${BIN}/initdb`) && existsSync(`${BIN}/pgbench`) && process.getuid?.() === 0 && uid !== undefined;
  if (!usable) {
    assert.notEqual(
      process.env.CI,
      'true',
      'PostgreSQL 15 server binaries, a postgres user and root are needed (apt: postgresql-15)',
    );
    t.skip('needs PostgreSQL 15 server binaries, a postgres user, and root to run the server as postgres');
    return;
  }
  // testkit's cluster: pg_ctl -w returns once it accepts connections
  const server = await startPostgres();
  try {
    const port = server.port;
    const pgbenchInit = await run(`${BIN}/pgbench`, [
      '-i',
      '-q',
      '-s',
      '1',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      'postgres',
    ]);
    assert.equal(pgbenchInit.code, 0, pgbenchInit.stderr);

    const tap = await tapProxy(port);
    const script =
      "CREATE TABLE people (id int, name text);\nINSERT INTO people VALUES (1, 'alice');\nSELECT * FROM people WHERE name = 'alice';\nSELEC 1;\n";
    const psql = await run(
      `${BIN}/psql`,
      ['-h', '127.0.0.1', '-p', String(tap.port), '-U', 'postgres', '-d', 'postgres', '-X', '-q'],
      script,
    );
    assert.equal(psql.code, 0, psql.stderr);
    const bench = await run(`${BIN}/pgbench`, [
      '-h',
      '127.0.0.1',
      '-p',
      String(tap.port),
      '-U',
      'postgres',
      '-M',
      'prepared',
      '-c',
      '1',
      '-t',
      '3',
      '-n',
      'postgres',
    ]);
    assert.equal(bench.code, 0, bench.stderr);
    await tap.close();

    const parsed = tap.connections.map((chunks) => feed(postgresql, postgresql.createState(), chunks));
    const psqlMessages = parsed.find((ms) => ms.some((m) => m.request_resource?.startsWith('CREATE TABLE people')));
    assert.ok(psqlMessages, 'the psql connection parsed');
    const queries = psqlMessages.filter((m) => m.kind === 'request');
    const answers = psqlMessages.filter((m) => m.kind === 'response');
    assert.deepEqual(
      queries.slice(-4).map((m) => m.request_resource),
      [
        'CREATE TABLE people (id int, name text);',
        'INSERT INTO people VALUES (?, ?);',
        'SELECT * FROM people WHERE name = ?;',
        'SELEC ?;',
      ],
    );
    assert.equal(queries.at(-3)?.endpoint, 'INSERT people');
    assert.equal(answers.length, queries.length, 'every query answered');
    assert.deepEqual(
      answers.slice(-4).map((m) => m.response_status),
      ['ok', 'ok', 'ok', 'client_error'],
    );
    assert.equal(answers.at(-2)?.attributes['db.response.returned_rows'], 1);
    assert.equal(answers.at(-1)?.attributes['db.response.status_code'], '42601');

    // pgbench's transaction: BEGIN, 3 UPDATEs, SELECT, INSERT, END, each prepared once, then executed.
    const benchMessages = parsed.reduce<L7Message[]>(
      (best, ms) =>
        ms.filter((m) => m.request_type === 'Parse').length > best.filter((m) => m.request_type === 'Parse').length
          ? ms
          : best,
      [],
    );
    const parses = benchMessages.filter((m) => m.request_type === 'Parse');
    const executes = benchMessages.filter((m) => m.request_type === 'Execute');
    assert.ok(
      parses.some((m) =>
        /^UPDATE pgbench_accounts SET abalance = abalance \+ \$1 WHERE aid = \$2;?$/.test(m.request_resource ?? ''),
      ),
      JSON.stringify(parses.map((m) => m.request_resource)),
    );
    assert.ok(executes.length >= 7 * 2, `${executes.length} executions of prepared statements`);
    const benchAnswers = benchMessages.filter((m) => m.kind === 'response');
    assert.equal(benchAnswers.length, benchMessages.filter((m) => m.kind === 'request').length, 'every batch answered');
    assert.ok(benchAnswers.every((m) => m.response_status === 'ok'));
  } finally {
    await server.stop();
  }
});
