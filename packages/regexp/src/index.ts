export {
  compileRegexp,
  expand,
  replaceAllFunc,
  replaceAllString,
  replaceMatches,
  type Match,
  type Regexp,
  RegexpError,
} from './regexp.ts';
