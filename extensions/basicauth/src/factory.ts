import type { ExtensionFactory } from '@flowtel/core';
import { basicAuthConfigSchema, type BasicAuthConfig } from './config.ts';
import { BasicAuth } from './basicauth.ts';

export const factory: ExtensionFactory<BasicAuthConfig> = {
  kind: 'extension',
  type: 'basicauth',
  stability: 'beta',
  description: 'HTTP Basic authentication: htpasswd checks for receivers, credentials for exporters',
  configSchema: basicAuthConfigSchema,
  createExtension: (settings, config) => new BasicAuth(settings, config),
};
