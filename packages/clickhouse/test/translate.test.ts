import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateTagNames } from '../src/smartencoding/translate.ts';
import { tokenize } from '../src/smartencoding/sql-tokens.ts';

const tr = (sql: string) => translateTagNames(sql, { database: 'otel' });

test('a filter becomes an id filter through the dictionary table; negations stay negations', () => {
  assert.equal(
    tr(`SELECT 1 FROM t WHERE pod = 'x'`),
    `SELECT 1 FROM t WHERE pod_id IN (SELECT id FROM \`otel\`.\`flowtel_tag_dictionary\` FINAL WHERE kind = 'pod' AND name = 'x')`,
  );
  assert.match(
    tr(`SELECT 1 FROM t WHERE pod_ns <> 'kube-system'`),
    /namespace_id NOT IN \(SELECT .* kind = 'namespace' AND name = 'kube-system'\)/,
  );
  assert.match(tr(`SELECT 1 FROM t WHERE service NOT LIKE 'x%'`), /service_id NOT IN \(.* name LIKE 'x%'\)/);
  assert.match(tr(`SELECT 1 FROM t WHERE pod_1 IN ('a','b')`), /pod_id_1 IN \(.* name IN \('a', 'b'\)\)/);
  assert.match(
    tr(`SELECT 1 FROM t WHERE k8s.label.app = 'web'`),
    /pod_id IN \(.* attributes\['k8s\.pod\.label\.app'\] = 'web'\)/,
  );
});

test('elsewhere a tag becomes a dictionary lookup, aliased by its name in the select list', () => {
  assert.equal(
    tr('SELECT pod, count() FROM t GROUP BY pod'),
    "SELECT dictGet('otel.flowtel_tag_pod', 'name', toUInt64(pod_id)) AS `pod`, count() FROM t GROUP BY dictGet('otel.flowtel_tag_pod', 'name', toUInt64(pod_id))",
  );
  assert.equal(
    tr('SELECT host AS h FROM t'),
    "SELECT dictGet('otel.flowtel_tag_host', 'name', toUInt64(host_id)) AS h FROM t",
  );
  assert.match(
    tr('SELECT tag.env FROM t'),
    /dictGet\('otel\.flowtel_tag_agent', 'attributes', toUInt64\(agent_id\)\)\['env'\] AS `tag\.env`/,
  );
});

test('strings, comments, qualified names, functions and aliases are left alone', () => {
  for (const sql of [
    `SELECT 'pod = ''x''' FROM t`,
    `SELECT a FROM t -- pod = 'x'`,
    `SELECT t.pod FROM t`,
    `SELECT node(1) FROM t`,
    `SELECT count() AS pod FROM t`,
    `SELECT "quoted" FROM t /* host */`,
  ])
    assert.equal(tr(sql), sql, sql);
  assert.throws(() => tr(`SELECT 'open`), /unterminated string/);
});

test('a name the query defines as an alias means that alias everywhere, as contrib queries use it', () => {
  for (const sql of [
    `SELECT ServiceName AS service, count() FROM otel_traces GROUP BY service ORDER BY service`,
    `SELECT ResourceAttributes['k8s.pod.name'] AS pod, count() FROM otel_traces WHERE pod != '' GROUP BY pod`,
    `SELECT host FROM (SELECT ResourceAttributes['host.name'] AS "host" FROM otel_logs) WHERE host = 'x'`,
  ])
    assert.equal(tr(sql), sql, sql);
  assert.match(
    tr(`SELECT ServiceName AS service FROM t WHERE pod = 'x'`),
    /pod_id IN/,
    'other tag names are still translated',
  );
});

test('the tokenizer gives back the text it was given', () => {
  const sql = "SELECT a.b, `x``y`, 'it\\'s', 1.5e3, x<>y, /* c */ -- d\n FROM t";
  assert.equal(
    tokenize(sql)
      .map((t) => t.text)
      .join(''),
    sql,
  );
});
