// The contracts between auth extensions and the components that use them, as otelcol's
// extensionauth: a server authenticator checks an incoming request's headers, a client
// authenticator supplies the headers an outgoing request carries.
import type { Host } from '@flowtel/core';
import { z } from '@flowtel/core';

/** Header names are lower case; a header may repeat. */
export type RequestHeaders = Record<string, string[]>;

/** What a server authenticator learned about the caller: it lands in ClientInfo.auth. */
export type AuthData = Record<string, unknown>;

export interface ServerAuthenticator {
  /** Resolves with what it learned, or rejects (any error) to refuse the request. */
  authenticate(headers: RequestHeaders): Promise<AuthData>;
}

export interface ClientAuthenticator {
  /** The headers (or gRPC metadata) to add to the next request. */
  headers(): Promise<Record<string, string>>;
}

/** `auth: {authenticator: <extension id>}` in a receiver's or exporter's config. */
export const authConfigSchema = z.object({ authenticator: z.string().min(1) }).strict();
export type AuthConfig = z.output<typeof authConfigSchema>;

const isServerAuthenticator = (e: unknown): e is ServerAuthenticator =>
  typeof (e as ServerAuthenticator | undefined)?.authenticate === 'function';
const isClientAuthenticator = (e: unknown): e is ClientAuthenticator =>
  typeof (e as ClientAuthenticator | undefined)?.headers === 'function';

/** The server authenticator named by `auth`, or an error naming what is wrong. */
export function serverAuthenticator(host: Host, auth: AuthConfig): ServerAuthenticator {
  const ext = host.getExtension(auth.authenticator);
  if (!ext)
    throw new Error(
      `auth::authenticator: extension "${auth.authenticator}" is not configured or not enabled in service::extensions`,
    );
  if (!isServerAuthenticator(ext))
    throw new Error(`auth::authenticator: extension "${auth.authenticator}" is not a server authenticator`);
  return ext;
}

/** The client authenticator named by `auth`, or an error naming what is wrong. */
export function clientAuthenticator(host: Host, auth: AuthConfig): ClientAuthenticator {
  const ext = host.getExtension(auth.authenticator);
  if (!ext)
    throw new Error(
      `auth::authenticator: extension "${auth.authenticator}" is not configured or not enabled in service::extensions`,
    );
  if (!isClientAuthenticator(ext))
    throw new Error(`auth::authenticator: extension "${auth.authenticator}" is not a client authenticator`);
  return ext;
}

/** The first value of a header, whatever its case in `name`. */
export function firstHeader(headers: RequestHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}
