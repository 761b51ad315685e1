// Regular expressions as otelcol compiles them: Go's regexp package, RE2 syntax. re2js is a
// port of RE2 (through RE2/J), so a pattern means here what it means in otelcol, including what
// RE2 refuses (backreferences, lookaround) and the Go spellings JavaScript lacks ((?P<name>...),
// (?i) flags, \pL classes, \z). Matching is linear in the input, as in Go.
import { RE2JS } from 're2js';

/** A compiled RE2 pattern with the Go regexp operations the processors use. */
export interface Regexp {
  readonly source: string;
  /** Go's MatchString: a match anywhere in `s` (unanchored unless the pattern anchors itself). */
  test(s: string): boolean;
  /**
   * Go's FindStringSubmatchIndex: [start, end] of the whole match and of every group (-1 for a
   * group that took no part), or undefined without a match.
   */
  execIndex(s: string): number[] | undefined;
  /** Go's SubexpNames: '' for the whole match, then each group's name ('' when unnamed). */
  readonly groupNames: readonly string[];
}

/** Thrown for a pattern RE2 refuses; the message is Go's `error parsing regexp: ...`. */
export class RegexpError extends Error {}

export function compileRegexp(pattern: string): Regexp {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new RegexpError(message.startsWith('error parsing regexp') ? message : `error parsing regexp: ${message}`);
  }
  const groups = re.groupCount();
  const names: string[] = new Array<string>(groups + 1).fill('');
  for (const [name, index] of Object.entries(re.namedGroups() as Record<string, number>)) names[index] = name;
  return {
    source: pattern,
    groupNames: names,
    test: (s) => re.test(s),
    execIndex(s) {
      const m = re.matcher(s);
      if (!m.find()) return undefined;
      const out: number[] = [];
      for (let g = 0; g <= groups; g++) out.push(m.start(g), m.end(g));
      return out;
    },
  };
}
