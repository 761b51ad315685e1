// Items held in another form until read: counting needs neither form, the first read makes the
// items once and forgets the other form, and anything that copies or cuts the data sees
// ordinary items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OTLP_OPS,
  deferItems,
  deferredForm,
  deferredItems,
  logRecordCount,
  newLogRecord,
  newResource,
  newScope,
  type LogRecord,
  type Logs,
  type ScopeLogs,
} from '../src/index.ts';

function deferredLogs(n: number, made: { count: number }): { logs: Logs; scope: ScopeLogs; form: object } {
  const form = { rows: n };
  const scope = deferItems(
    { scope: newScope('s', '1'), schemaUrl: '' } as ScopeLogs,
    'logRecords',
    n,
    () => {
      made.count++;
      return Array.from({ length: n }, (_, i) => newLogRecord({ body: { stringValue: `r${i}` } }));
    },
    form,
  );
  return { logs: { resourceLogs: [{ resource: newResource([]), schemaUrl: '', scopeLogs: [scope] }] }, scope, form };
}

test('a deferred scope is counted without making its items, and made once on first read', () => {
  const made = { count: 0 };
  const { logs, scope, form } = deferredLogs(3, made);
  assert.equal(logRecordCount(logs), 3);
  assert.equal(OTLP_OPS.logs.count(logs), 3);
  assert.equal(made.count, 0);
  assert.equal(deferredForm(scope), form);
  assert.equal(deferredItems(scope), 3);
  const first = scope.logRecords;
  assert.deepEqual(
    first.map((r) => r.body),
    [{ stringValue: 'r0' }, { stringValue: 'r1' }, { stringValue: 'r2' }],
  );
  // the reader may change the list now: the other form no longer stands for it
  assert.equal(deferredForm(scope), undefined);
  assert.equal(deferredItems(scope), undefined);
  assert.equal(scope.logRecords, first);
  first.pop();
  assert.equal(logRecordCount(logs), 2);
  assert.equal(made.count, 1);
});

test('a list set over a deferred one replaces it, and copies and cuts see ordinary items', () => {
  const made = { count: 0 };
  const set = deferredLogs(2, made);
  const replacement: LogRecord[] = [newLogRecord({ body: { stringValue: 'mine' } })];
  set.scope.logRecords = replacement;
  assert.equal(set.scope.logRecords, replacement);
  assert.equal(deferredForm(set.scope), undefined);
  assert.equal(made.count, 0);

  const copied = deferredLogs(2, made);
  const copy = structuredClone(copied.logs);
  assert.equal(copy.resourceLogs[0].scopeLogs[0].logRecords.length, 2);
  assert.equal(deferredForm(copy.resourceLogs[0].scopeLogs[0]), undefined);

  const cut = deferredLogs(4, made);
  const [head, rest] = OTLP_OPS.logs.split(cut.logs, 3);
  assert.equal(logRecordCount(head as Logs), 3);
  assert.equal(logRecordCount(rest as Logs), 1);
  assert.equal(JSON.stringify((rest as Logs).resourceLogs[0].scopeLogs[0].logRecords[0].body), '{"stringValue":"r3"}');
});
