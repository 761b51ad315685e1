export { factory } from './factory.ts';
export { BearerTokenAuth } from './bearertokenauth.ts';
export { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
