// contrib's filterset: a list of strings matched strictly (equality) or as RE2 patterns
// (a match anywhere in the string, as Go's MatchString: `prefix/.*` also matches
// `extra/prefix/x`), with the optional LRU cache of regexp results (`regexp.cacheenabled`,
// `regexp.cachemaxnumentries`, 0 meaning unbounded as in contrib).
import { compileRegexp, type Regexp } from '@flowtel/regexp';

export type MatchType = 'strict' | 'regexp';

export interface RegexpCacheConfig {
  cacheenabled: boolean;
  cachemaxnumentries: number;
}

export interface FilterSetConfig {
  match_type: MatchType;
  regexp?: RegexpCacheConfig;
}

export interface FilterSet {
  matches(s: string): boolean;
}

export function createFilterSet(filters: readonly string[], config: FilterSetConfig): FilterSet {
  if (config.match_type === 'strict') {
    const set = new Set(filters);
    return { matches: (s) => set.has(s) };
  }
  const regexes: Regexp[] = [...new Set(filters)].map(compileRegexp);
  const matchAny = (s: string) => regexes.some((re) => re.test(s));
  if (!config.regexp?.cacheenabled) return { matches: matchAny };
  return cached(matchAny, config.regexp.cachemaxnumentries || Infinity);
}

/** Results by input, least recently used evicted first (a Map keeps insertion order). */
function cached(match: (s: string) => boolean, capacity: number): FilterSet {
  const cache = new Map<string, boolean>();
  return {
    matches(s) {
      const hit = cache.get(s);
      if (hit !== undefined) {
        cache.delete(s);
        cache.set(s, hit);
        return hit;
      }
      const result = match(s);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      cache.set(s, result);
      return result;
    },
  };
}
