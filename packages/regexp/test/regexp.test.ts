// Go's regexp as the reference: the expected values are RE2's own matches (re2js, the port the
// package wraps, called directly) and the examples of Go's regexp documentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RE2JS } from 're2js';
import { compileRegexp, expand, type Match, RegexpError, replaceAllFunc, replaceAllString } from '../src/index.ts';

/** RE2's leftmost match as Go's FindStringSubmatchIndex. */
function re2Index(pattern: string, s: string): number[] | undefined {
  const re = RE2JS.compile(pattern);
  const m = re.matcher(s);
  if (!m.find()) return undefined;
  const out: number[] = [];
  for (let g = 0; g <= re.groupCount(); g++) out.push(m.start(g), m.end(g));
  return out;
}

/** RE2's leftmost-first matches of `pattern` in `s`, as [start, end, ...groups]. */
function re2Matches(pattern: string, s: string): Array<Array<number | string | undefined>> {
  const re = RE2JS.compile(pattern);
  const m = re.matcher(s);
  const out: Array<Array<number | string | undefined>> = [];
  while (m.find()) {
    const row: Array<number | string | undefined> = [m.start(), m.end()];
    for (let g = 0; g <= re.groupCount(); g++) row.push(m.group(g) ?? undefined);
    out.push(row);
  }
  return out;
}

const rows = (matches: Match[]) => matches.map((m) => [m.index, m.end, ...m.groups]);

// patterns in the subset V8 runs, and ones only RE2 reads; each against inputs where V8's and
// Go's defaults differ (\s, ., line breaks, Unicode)
const PATTERNS = [
  String.raw`^/api/(?P<version>v\d+)/users/(\d+)$`,
  String.raw`\s+`,
  String.raw`a.c`,
  String.raw`(a|ab)(c|bcd)(d*)`,
  String.raw`[^\s,]+`,
  String.raw`x*`,
  String.raw`(?i)GET`,
  String.raw`\pL+`,
  String.raw`[[:alpha:]]+`,
  String.raw`(?s)a.c`,
  String.raw`(a+)+$`,
  String.raw`^$`,
  String.raw`\bword\b`,
  String.raw`(x)?(a)`,
];
const INPUTS = [
  '/api/v2/users/42',
  'a\u000bb\u00a0c d\te',
  'a\rc a\nc a\u2028c abc',
  'abcd',
  'x,yy, zzz',
  'GET get Get',
  'héllo wörld',
  '',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
  'a word, words',
];

test('every match, index and group is the one Go regexp (RE2) finds, on the V8 path and the RE2 path alike', () => {
  for (const pattern of PATTERNS) {
    const re = compileRegexp(pattern);
    for (const input of INPUTS) {
      const expected = re2Matches(pattern, input);
      assert.deepEqual(rows(re.all(input)), expected, `${pattern} in ${JSON.stringify(input)}`);
      assert.equal(re.test(input), expected.length > 0, `test: ${pattern} in ${JSON.stringify(input)}`);
      const first = re.exec(input);
      assert.deepEqual(first && rows([first])[0], expected[0], `exec: ${pattern} in ${JSON.stringify(input)}`);
      assert.deepEqual(
        re.execIndex(input),
        re2Index(pattern, input),
        `execIndex: ${pattern} in ${JSON.stringify(input)}`,
      );
    }
  }
});

test('group names and indexes as Go SubexpNames and SubexpIndex', () => {
  for (const pattern of [String.raw`(?P<year>\d{4})-(\d\d)-(?P<day>\d\d)`, String.raw`(?i)(?P<year>\d{4})-(\d\d)`]) {
    const re = compileRegexp(pattern);
    assert.deepEqual(re.groupNames.slice(0, 2), ['', 'year'], pattern);
    assert.equal(re.names.year, 1, pattern);
  }
  assert.deepEqual(compileRegexp(String.raw`(?P<year>\d{4})-(\d\d)-(?P<day>\d\d)`).groupNames, ['', 'year', '', 'day']);
});

test("patterns RE2 refuses are a RegexpError with Go's message", () => {
  for (const [pattern, message] of [
    ['(a|b))', 'error parsing regexp: unexpected ): `(a|b))`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    [String.raw`(a)\1`, 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['(?<=a)b', 'error parsing regexp: invalid named capture: `(?<=a)b`'],
  ]) {
    assert.throws(
      () => compileRegexp(pattern),
      (err: unknown) => err instanceof RegexpError && err.message === message,
      pattern,
    );
  }
});

/** Go's ReplaceAllString, built from `all` and `expand` as Go builds it. */
function replaceAll(pattern: string, s: string, template: string): string {
  const re = compileRegexp(pattern);
  let out = '';
  let last = 0;
  for (const m of re.all(s)) {
    out += s.slice(last, m.index) + expand(template, m, re.names);
    last = m.end;
  }
  return out + s.slice(last);
}

test("expand: the examples of Go's Regexp.ReplaceAllString and Regexp.Expand documentation", () => {
  // https://pkg.go.dev/regexp#Regexp.ReplaceAllString
  assert.equal(replaceAll('a(x*)b', '-ab-axxb-', 'T'), '-T-T-');
  assert.equal(replaceAll('a(x*)b', '-ab-axxb-', '$1'), '--xx-');
  assert.equal(replaceAll('a(x*)b', '-ab-axxb-', '$1W'), '---');
  assert.equal(replaceAll('a(x*)b', '-ab-axxb-', '${1}W'), '-W-xxW-');
  // https://pkg.go.dev/regexp#Regexp.ReplaceAllString, named groups
  assert.equal(replaceAll('a(?P<x>x*)b', '-ab-axxb-', '${x}W'), '-W-xxW-');
  // https://pkg.go.dev/regexp#Regexp.Expand
  const content =
    '\n\t# comment line\n\toption1: value1\n\toption2: value2\n\n\t# another comment line\n\toption3: value3\n';
  const re = compileRegexp(String.raw`(?m)(?P<key>\w+):\s+(?P<value>\w+)$`);
  assert.equal(
    re
      .all(content)
      .map((m) => expand('$key=$value\n', m, re.names))
      .join(''),
    'option1=value1\noption2=value2\noption3=value3\n',
  );
  // $$ is a dollar; an invalid ${ is copied through
  assert.equal(replaceAll('b', 'abc', '$$'), 'a$c');
  assert.equal(replaceAll('b', 'abc', '${'), 'a${c');
});

test("replaceAllFunc replaces as Go's ReplaceAllStringFunc (examples from Go's regexp tests and docs)", () => {
  const x = () => 'X';
  // Go's replaceTests: an empty match abutting the previous match is not replaced
  assert.equal(replaceAllFunc(compileRegexp('a*'), 'baaac', x), 'XbXcX');
  assert.equal(replaceAllFunc(compileRegexp('.*'), 'abc', x), 'X');
  assert.equal(replaceAllFunc(compileRegexp(''), 'abc', x), 'XaXbXcX');
  assert.equal(replaceAllFunc(compileRegexp('(?i)A*'), 'baaac', x), 'XbXcX');
  assert.equal(replaceAllFunc(compileRegexp('q'), 'abc', x), 'abc');
  // the ReplaceAllStringFunc example of Go's documentation
  assert.equal(
    replaceAllFunc(compileRegexp('[^aeiou\\s]+'), 'seafood fool', (s) => s.toUpperCase()),
    'SeaFooD FooL',
  );
});

test("replaceAllString replaces as Go's ReplaceAllString (the examples of Go's documentation and replaceTests)", () => {
  const re = compileRegexp('a(x*)b');
  assert.equal(replaceAllString(re, '-ab-axxb-', 'T'), '-T-T-');
  assert.equal(replaceAllString(re, '-ab-axxb-', '$1'), '--xx-');
  assert.equal(replaceAllString(re, '-ab-axxb-', '$1W'), '---');
  assert.equal(replaceAllString(re, '-ab-axxb-', '${1}W'), '-W-xxW-');
  const named = compileRegexp('a(?P<1W>x*)b');
  assert.equal(replaceAllString(named, '-ab-axxb-', '$1W'), '--xx-');
  assert.equal(replaceAllString(named, '-ab-axxb-', '${1}W'), '-W-xxW-');
  // an empty match abutting the previous one is not replaced
  assert.equal(replaceAllString(compileRegexp('.*'), 'abc', 'X'), 'X');
  assert.equal(replaceAllString(compileRegexp('a*'), 'baaac', 'X'), 'XbXcX');
});
