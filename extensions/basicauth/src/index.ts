export { factory } from './factory.ts';
export { BasicAuth } from './basicauth.ts';
export { basicAuthConfigSchema, type BasicAuthConfig } from './config.ts';
