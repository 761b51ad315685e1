export { compileRegexp, expand, type Match, type Regexp, RegexpError } from './regexp.ts';
