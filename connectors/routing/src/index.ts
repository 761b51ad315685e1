export { factory } from './factory.ts';
