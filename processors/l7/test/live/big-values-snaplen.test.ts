// The exchanges of big-values.test.ts (redis-cli's SET of a 64 KiB value and the GET of it, a
// mariadb INSERT of a 32 KiB statement), recorded from loopback by dumpcap and cut by editcap to
// a snap length that keeps 1 KiB of each segment's payload. Through the pcap reader and the l7
// engine, the cut recording gives the records of the whole one on both ends, the big messages
// read from their heads and marked, and the commands after them whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mariadbTcpLogin, startMariadb, startRedis } from '@flowtel/testkit';
import { runClient } from './capture.ts';
import { sameRecordsFromTheHeads } from './snaplen.ts';

test('redis-server cut by a snap length: the SET of 64 KiB and the GET of it from their heads, the PING after them whole', (t) => {
  const value = 'v'.repeat(64 * 1024);
  return sameRecordsFromTheHeads(t, {
    tools: ['redis-server', 'redis-cli'],
    start: startRedis,
    exchange: async (port) => {
      const cli = await runClient('redis-cli', ['-p', String(port)], `SET big ${value}\nGET big\nPING\n`);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(cli.stdout.toString().split('\n'), ['OK', value, 'PONG', ''], 'redis-cli: OK, the value, PONG');
    },
    complete: (b) => b.includes('+PONG\r\n'),
    sent: [{ type: 'SET', resource: 'SET big' }, { type: 'GET', resource: 'GET big' }, { type: 'PING' }],
    // redis-cli's COMMAND DOCS at its start has a reply of many KiB
    big: (r) => ['SET', 'GET', 'COMMAND'].includes(String(r.request?.request_type)),
  });
});

/** COM_QUIT: the mariadb client's last packet (length 1, sequence 0, command 1). */
const COM_QUIT = Buffer.from([1, 0, 0, 0, 1]);

test('mariadbd cut by a snap length: the INSERT of 32 KiB from its head, the SELECT after it whole', (t) => {
  const rows = Array.from({ length: 400 }, (_, i) => `(${i}, 'long-secret-${i}-${'s'.repeat(60)}')`).join(', ');
  const sql = `CREATE TABLE notes (id INT, note VARCHAR(100));\nINSERT INTO notes VALUES ${rows};\nSELECT COUNT(*) FROM notes WHERE id > 7;\n`;
  let login: string[] = [];
  return sameRecordsFromTheHeads(t, {
    tools: ['mariadbd', 'mariadb-install-db', 'mariadb'],
    start: async () => {
      const db = await startMariadb();
      login = mariadbTcpLogin(db);
      return db;
    },
    exchange: async () => {
      const client = await runClient('mariadb', login, sql);
      assert.equal(client.code, 0, client.stderr);
      assert.match(client.stdout.toString(), /\b392\b/, 'rows 8 to 399');
    },
    complete: (b) => b.includes(COM_QUIT),
    sent: [
      { type: 'COM_QUERY', resource: 'CREATE TABLE notes' },
      { type: 'COM_QUERY', resource: 'INSERT INTO notes VALUES' },
      { type: 'COM_QUERY', resource: 'SELECT COUNT(*) FROM notes' },
      { type: 'COM_QUIT' },
    ],
    big: (r) => String(r.request?.request_resource).startsWith('INSERT'),
  });
});
