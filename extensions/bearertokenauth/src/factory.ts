import type { ExtensionFactory } from '@flowtel/core';
import { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
import { BearerTokenAuth } from './bearertokenauth.ts';

export const factory: ExtensionFactory<BearerTokenAuthConfig> = {
  kind: 'extension',
  type: 'bearertokenauth',
  stability: 'beta',
  description: 'checks (receivers) or adds (exporters) a bearer token header',
  configSchema: bearerTokenAuthConfigSchema,
  createExtension: (settings, config) => new BearerTokenAuth(settings, config),
};
