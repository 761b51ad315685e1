// Cases from contrib's internal/filter tests (filterset/regexp, filterset/strict, filterconfig,
// filterspan, filterlog): the expected results are theirs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attr,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  SpanKind,
  valueAsString as asString,
} from '@flowtel/pdata';
import type { Metric } from '@flowtel/pdata';
import {
  createFilterSet,
  formatFloatF,
  logSkipper,
  type MatchConfig,
  matchPropertiesSchema,
  metricSkipper,
  spanSkipper,
} from '../src/index.ts';

const REGEXPS = [
  'prefix/.*',
  'prefix_.*',
  '.*/suffix',
  '.*_suffix',
  '.*/contains/.*',
  '.*_contains_.*',
  'full/name/match',
  'full_name_match',
];

test('regexp filterset: a match anywhere in the string, as Go MatchString', () => {
  for (const config of [
    { match_type: 'regexp' as const },
    { match_type: 'regexp' as const, regexp: { cacheenabled: true, cachemaxnumentries: 0 } },
    { match_type: 'regexp' as const, regexp: { cacheenabled: true, cachemaxnumentries: 3 } },
  ]) {
    const fs = createFilterSet(REGEXPS, config);
    for (const m of [
      'full/name/match',
      'extra/full/name/match/extra',
      'full_name_match',
      'prefix/test/match',
      'prefix_test_match',
      'extra/prefix/test/match',
      'test/match/suffix',
      'test/match/suffixextra',
      'test_match_suffix',
      'test/contains/match',
      'test_contains_match',
    ]) {
      assert.equal(fs.matches(m), true, m);
      assert.equal(fs.matches(m), true, `${m} (second time: cached)`);
    }
    for (const m of ['not_exact_string_match', 'random', 'c']) assert.equal(fs.matches(m), false, m);
  }
});

test('strict filterset: equality only', () => {
  const fs = createFilterSet(['exact_string_match', '.*/suffix', ''], { match_type: 'strict' });
  for (const m of ['exact_string_match', '.*/suffix', '']) assert.equal(fs.matches(m), true, m);
  for (const m of ['exact', 'prefix/suffix', 'exact_string_match_extra']) assert.equal(fs.matches(m), false, m);
});

const parse = (p: unknown) => matchPropertiesSchema.safeParse(p);
const issue = (p: unknown) => {
  const r = parse(p);
  assert.equal(r.success, false, JSON.stringify(p));
  return r.error!.issues[0];
};

test('config: match type, regexps and attribute values checked at validation, with contrib messages', () => {
  assert.equal(
    issue({ match_type: 'wildcard', services: ['a'] }).message,
    "unrecognized match_type: 'wildcard', valid types are: [regexp strict]",
  );
  assert.equal(issue({ services: ['a'] }).message, "unrecognized match_type: '', valid types are: [regexp strict]");
  const bad = issue({ match_type: 'regexp', span_names: ['ok', '(a|b))'] });
  assert.equal(bad.message, 'error parsing regexp: unexpected ): `(a|b))`');
  assert.deepEqual(bad.path, ['span_names', 1]);
  assert.match(issue({ match_type: 'regexp', span_names: ['(?<=a)b'] }).message, /^error parsing regexp: /);
  assert.equal(
    issue({ match_type: 'regexp', attributes: [{ key: 'k', value: 123 }] }).message,
    'match_type=regexp for "k" only supports Str, but found Int',
  );
  assert.equal(
    issue({ match_type: 'strict', attributes: [{ key: '', value: 'v' }] }).message,
    "can't have empty key in the list of attributes",
  );
  assert.equal(issue({ match_type: 'strict', span_names: ['a'], names: ['b'] }).code, 'unrecognized_keys');
  // no string filter to build: no match type needed, as in contrib
  assert.equal(parse({ log_severity_number: { min: 10 } }).success, true);
  assert.equal(parse({ attributes: [{ key: 'present' }] }).success, true);
  assert.equal(parse({ log_severity_number: { min: 'WARN' } }).data?.log_severity_number?.min, 13);
});

const cfg = (c: Record<string, unknown>): MatchConfig => {
  const out: MatchConfig = {};
  for (const side of ['include', 'exclude'] as const) if (c[side]) out[side] = matchPropertiesSchema.parse(c[side]);
  return out;
};

test('spans: per-signal checks with contrib messages', () => {
  assert.throws(
    () => spanSkipper(cfg({ include: { match_type: 'strict', log_bodies: ['x'] } })),
    /^Error: log_bodies should not be specified for trace spans$/,
  );
  assert.throws(
    () => spanSkipper(cfg({ include: { match_type: 'strict' } })),
    /at least one of "attributes", "libraries",  or "resources" field must be specified/,
  );
  assert.throws(() => spanSkipper(cfg({ include: { match_type: 'strict', span_kinds: ['server'] } })), {
    message:
      'span_kinds string must match one of the standard span kinds when match_type=strict: [SPAN_KIND_CLIENT SPAN_KIND_CONSUMER SPAN_KIND_INTERNAL SPAN_KIND_PRODUCER SPAN_KIND_SERVER]',
  });
  assert.throws(
    () => logSkipper(cfg({ include: { match_type: 'strict', span_names: ['x'] } })),
    /services, span_names, and span_kinds are not valid for log records/,
  );
});

test('spans: include, then exclude; every given property must match', () => {
  const resource = newResource([attr('service.name', 'svcA'), attr('env', 'prod')]);
  const scope = newScope('lib', '1.0');
  const span = newSpan({
    name: 'spanName',
    kind: SpanKind.SERVER,
    attributes: [
      attr('keyString', 'arithmetic'),
      attr('keyInt', 123),
      attr('keyDouble', 3245.6),
      attr('keyBool', true),
    ],
  });
  const skip = (c: Record<string, unknown>) => spanSkipper(cfg(c))!(span, resource, scope);
  assert.equal(spanSkipper({}), undefined);
  assert.equal(skip({ include: { match_type: 'strict', services: ['svcA'] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', services: ['svcB'] } }), true);
  assert.equal(skip({ include: { match_type: 'regexp', services: ['svc.*'], span_names: ['^span'] } }), false);
  assert.equal(skip({ include: { match_type: 'regexp', services: ['svc.*'], span_names: ['^other'] } }), true);
  assert.equal(skip({ exclude: { match_type: 'strict', span_kinds: ['SPAN_KIND_SERVER'] } }), true);
  assert.equal(skip({ exclude: { match_type: 'strict', span_kinds: ['SPAN_KIND_CLIENT'] } }), false);
  // strict values compare type and value: the int 123 is not the string "123"
  assert.equal(skip({ include: { match_type: 'strict', attributes: [{ key: 'keyInt', value: 123 }] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', attributes: [{ key: 'keyInt', value: '123' }] } }), true);
  assert.equal(
    skip({
      include: {
        match_type: 'strict',
        attributes: [
          { key: 'keyString', value: 'arithmetic' },
          { key: 'keyBool', value: true },
          { key: 'keyDouble', value: 3245.6 },
          { key: 'keyMissing' },
        ],
      },
    }),
    true,
  );
  // regexp values see ints, doubles and booleans as Go formats them
  assert.equal(
    skip({
      include: {
        match_type: 'regexp',
        attributes: [
          { key: 'keyInt', value: '^12' },
          { key: 'keyDouble', value: '^3245\\.6$' },
          { key: 'keyBool', value: 'tr' },
        ],
      },
    }),
    false,
  );
  assert.equal(skip({ include: { match_type: 'strict', resources: [{ key: 'env', value: 'prod' }] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', resources: [{ key: 'env', value: 'dev' }] } }), true);
  assert.equal(skip({ include: { match_type: 'strict', libraries: [{ name: 'lib' }] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', libraries: [{ name: 'lib', version: '1.0' }] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', libraries: [{ name: 'lib', version: '' }] } }), true);
  // include matches and exclude matches: skipped
  assert.equal(
    skip({
      include: { match_type: 'strict', services: ['svcA'] },
      exclude: { match_type: 'strict', span_names: ['spanName'] },
    }),
    true,
  );
  // no service.name: contrib matches the placeholder
  assert.equal(
    spanSkipper(cfg({ include: { match_type: 'strict', services: ['<nil-service-name>'] } }))!(
      span,
      newResource(),
      scope,
    ),
    false,
  );
  // attributes required, none on the span
  assert.equal(
    spanSkipper(cfg({ include: { match_type: 'strict', attributes: [{ key: 'k' }] } }))!(newSpan(), resource, scope),
    true,
  );
});

test('logs: bodies, severity text and number', () => {
  const resource = newResource();
  const scope = newScope();
  const log = (severityNumber: number, body = 'hello world') =>
    newLogRecord({ severityNumber, severityText: 'WARN', body: { stringValue: body } });
  const skip = (c: Record<string, unknown>, l = log(13)) => logSkipper(cfg(c))!(l, resource, scope);
  assert.equal(skip({ include: { match_type: 'regexp', log_bodies: ['wor'] } }), false);
  assert.equal(skip({ include: { match_type: 'strict', log_bodies: ['wor'] } }), true);
  assert.equal(skip({ include: { match_type: 'strict', log_severity_texts: ['WARN'] } }), false);
  assert.equal(skip({ include: { log_severity_number: { min: 'INFO' } } }), false);
  assert.equal(skip({ include: { log_severity_number: { min: 'ERROR' } } }), true);
  assert.equal(skip({ include: { log_severity_number: { min: 'ERROR' } } }, log(0)), true);
  assert.equal(skip({ include: { log_severity_number: { min: 'ERROR', match_undefined: true } } }, log(0)), false);
  // a non-string body as AsString renders it
  const mapBody = newLogRecord({
    body: { kvlistValue: { values: [attr('b', 1), attr('a', 'x')] } },
  });
  assert.equal(asString(mapBody.body), '{"a":"x","b":1}');
  assert.equal(skip({ include: { match_type: 'strict', log_bodies: ['{"a":"x","b":1}'] } }, mapBody), false);
});

test('metrics: names only, as contrib matches them', () => {
  const metric = { name: 'http.server.duration' } as Metric;
  assert.equal(metricSkipper(cfg({ include: { match_type: 'regexp', metric_names: ['^http\\.'] } }))!(metric), false);
  assert.equal(
    metricSkipper(cfg({ exclude: { match_type: 'strict', metric_names: ['http.server.duration'] } }))!(metric),
    true,
  );
  assert.equal(metricSkipper(cfg({ include: { match_type: 'strict', resources: [{ key: 'a' }] } })), undefined);
});

test('Go number formatting', () => {
  assert.equal(formatFloatF(1e21), '1000000000000000000000');
  assert.equal(formatFloatF(1.5e-7), '0.00000015');
  assert.equal(formatFloatF(-2.5e22), '-25000000000000000000000');
  assert.equal(formatFloatF(3245.6), '3245.6');
  assert.equal(asString({ doubleValue: 1e21 }), '1e+21');
  assert.equal(asString({ bytesValue: new Uint8Array([1, 2, 3]) }), 'AQID');
});
