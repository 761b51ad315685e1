import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CreateSettings, Extension } from '@flowtel/core';
import {
  firstHeader,
  type AuthData,
  type ClientAuthenticator,
  type RequestHeaders,
  type ServerAuthenticator,
} from '@flowtel/otlp';
import type { BasicAuthConfig } from './config.ts';
import { parseHtpasswd, type Htpasswd } from './htpasswd.ts';
import { PasswordVerifier } from './verifier.ts';

/**
 * contrib's basicauth: a server authenticator checking `Authorization: Basic ...` against
 * htpasswd entries (the file's, then the inline ones), and a client authenticator sending
 * `client_auth`'s credentials.
 */
export class BasicAuth implements Extension, ServerAuthenticator, ClientAuthenticator {
  [key: string]: unknown;
  private readonly config: BasicAuthConfig;
  private readonly settings: CreateSettings;
  private verifier: PasswordVerifier | undefined;

  constructor(settings: CreateSettings, config: BasicAuthConfig) {
    this.settings = settings;
    this.config = config;
  }

  async start(): Promise<void> {
    const { htpasswd, client_auth } = this.config;
    if (!htpasswd && !client_auth)
      throw new Error('basicauth: set htpasswd (server side) or client_auth (client side)');
    let users: Htpasswd = new Map();
    if (htpasswd?.file) {
      const path = resolve(this.settings.configDir, htpasswd.file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(`basicauth: htpasswd::file: ${(err as Error).message}`);
      }
      users = parseHtpasswd(text, path);
    }
    if (htpasswd?.inline)
      for (const [user, entry] of parseHtpasswd(htpasswd.inline, 'htpasswd::inline')) users.set(user, entry);
    if (htpasswd) this.verifier = new PasswordVerifier(users);
  }

  async authenticate(headers: RequestHeaders): Promise<AuthData> {
    if (!this.verifier)
      throw new Error('basicauth: no htpasswd configured, so this extension cannot authenticate servers');
    const header = firstHeader(headers, 'authorization');
    if (!header) throw new Error('no basic auth provided');
    const [scheme, encoded] = header.split(' ', 2);
    if (scheme.toLowerCase() !== 'basic' || !encoded) throw new Error('invalid authorization format: expected Basic');
    const raw = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = raw.indexOf(':');
    if (colon < 0) throw new Error('invalid credentials format: expected user:password');
    const username = raw.slice(0, colon);
    if (!(await this.verifier.verify(username, raw.slice(colon + 1)))) throw new Error('invalid credentials');
    return { username, raw: encoded };
  }

  async headers(): Promise<Record<string, string>> {
    const c = this.config.client_auth;
    if (!c) throw new Error('basicauth: no client_auth configured, so this extension cannot authenticate clients');
    return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
  }

  /** How many slow password checks ran (the others were served from the cache or shared). */
  passwordChecks(): number {
    return this.verifier?.checks ?? 0;
  }

  async shutdown(): Promise<void> {
    await this.verifier?.close();
  }
}
