import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MYSQL_DIALECT,
  POSTGRES_DIALECT,
  REDACTED,
  isSecretHeader,
  redactRedisCommand,
  redactSql,
} from '../src/redact.ts';

test('redact: SQL string and number literals become ?, the statement shape stays', () => {
  const cases: Array<[string, string]> = [
    ["SELECT * FROM users WHERE name = 'bob' AND age > 42", 'SELECT * FROM users WHERE name = ? AND age > ?'],
    ["INSERT INTO t (a, b) VALUES ('it''s', 'a\\'b'), (1.5e3, 0xFF)", 'INSERT INTO t (a, b) VALUES (?, ?), (?, ?)'],
    [
      'SELECT t1.c2 FROM t1 JOIN table_2 ON t1.id = table_2.t1_id LIMIT 10',
      'SELECT t1.c2 FROM t1 JOIN table_2 ON t1.id = table_2.t1_id LIMIT ?',
    ],
    [
      'UPDATE `tbl9` SET `col 1` = "secret" -- note 42\nWHERE id = 7',
      'UPDATE `tbl9` SET `col 1` = ? -- note 42\nWHERE id = ?',
    ],
    ['SELECT /* hint 5 */ ? , :name, $1 FROM x', 'SELECT /* hint 5 */ ? , :name, $1 FROM x'],
    ["SELECT 'unterminated", 'SELECT ?'],
  ];
  for (const [sql, expected] of cases) assert.equal(redactSql(sql, MYSQL_DIALECT), expected, sql);
  assert.equal(redactSql("42 || 'x'"), '? || ?', 'a literal at the start');
  const plain = ['SELECT a FROM b WHERE c = ?', 'x'].join(' ');
  assert.equal(redactSql(plain), plain, 'a statement without literals is returned as it is');
});

test('redact: PostgreSQL keeps "identifiers" and hides dollar-quoted strings', () => {
  assert.equal(
    redactSql('SELECT "Col1" FROM "T" WHERE x = $1 AND y = 3', POSTGRES_DIALECT),
    'SELECT "Col1" FROM "T" WHERE x = $1 AND y = ?',
  );
  assert.equal(redactSql("SELECT $$a 'b' 1$$, $tag$x$tag$, E'\\n'", POSTGRES_DIALECT), 'SELECT ?, ?, E?');
});

test('redact: secret headers and Redis credentials', () => {
  for (const h of ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])
    assert.equal(isSecretHeader(h), true, h);
  assert.equal(isSecretHeader('user-agent'), false);
  assert.deepEqual(redactRedisCommand(['auth', 'pw']), ['auth', REDACTED]);
  assert.deepEqual(redactRedisCommand(['HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'app']), [
    'HELLO',
    '3',
    'AUTH',
    REDACTED,
    REDACTED,
    'SETNAME',
    'app',
  ]);
  assert.deepEqual(redactRedisCommand(['MIGRATE', 'h', '6379', 'k', '0', '100', 'AUTH', 'pw', 'KEYS', 'a']), [
    'MIGRATE',
    'h',
    '6379',
    'k',
    '0',
    '100',
    'AUTH',
    REDACTED,
    'KEYS',
    'a',
  ]);
  assert.deepEqual(redactRedisCommand(['MIGRATE', 'h', '6379', 'k', '0', '100', 'AUTH2', 'u', 'pw']), [
    'MIGRATE',
    'h',
    '6379',
    'k',
    '0',
    '100',
    'AUTH2',
    REDACTED,
    REDACTED,
  ]);
  assert.deepEqual(redactRedisCommand(['GET', 'auth']), ['GET', 'auth']);
});
