import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { CreateSettings, Extension } from '@flowtel/core';
import {
  firstHeader,
  type AuthData,
  type ClientAuthenticator,
  type RequestHeaders,
  type ServerAuthenticator,
} from '@flowtel/otlp';
import type { BearerTokenAuthConfig } from './config.ts';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * contrib's bearertokenauth: as a server authenticator it accepts requests whose header holds
 * `<scheme> <token>` for one of the configured tokens; as a client authenticator it adds that
 * header to every request.
 */
export class BearerTokenAuth implements Extension, ServerAuthenticator, ClientAuthenticator {
  [key: string]: unknown;
  private readonly config: BearerTokenAuthConfig;
  private readonly settings: CreateSettings;
  private tokens: string[] = [];
  private watcher?: FSWatcher;

  constructor(settings: CreateSettings, config: BearerTokenAuthConfig) {
    this.settings = settings;
    this.config = config;
  }

  async start(): Promise<void> {
    const { filename, token, tokens } = this.config;
    if (filename) {
      const path = resolve(this.settings.configDir, filename);
      this.tokens = [this.readToken(path)];
      this.watcher = watch(path, () => {
        try {
          this.tokens = [this.readToken(path)];
        } catch (err) {
          this.settings.logger.error(
            { err: (err as Error).message },
            'could not re-read the bearer token file; keeping the previous token',
          );
        }
      });
    } else {
      this.tokens = [...(token ? [token] : []), ...(tokens ?? [])];
    }
    if (this.tokens.length === 0) throw new Error('bearertokenauth: set token, tokens or filename');
  }

  private readToken(path: string): string {
    const text = readFileSync(path, 'utf8').trim();
    if (!text) throw new Error(`bearertokenauth: ${path} is empty`);
    return text;
  }

  private credential(token: string): string {
    return this.config.scheme ? `${this.config.scheme} ${token}` : token;
  }

  async authenticate(headers: RequestHeaders): Promise<AuthData> {
    const got = firstHeader(headers, this.config.header);
    if (got === undefined) throw new Error(`missing or empty ${this.config.header} header`);
    if (!this.tokens.some((t) => sameText(got, this.credential(t)))) throw new Error("authentication didn't succeed");
    return {};
  }

  async headers(): Promise<Record<string, string>> {
    return { [this.config.header.toLowerCase()]: this.credential(this.tokens[0]) };
  }

  async shutdown(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
