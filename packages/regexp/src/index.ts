export { compileRegexp, expand, replaceAllFunc, type Match, type Regexp, RegexpError } from './regexp.ts';
