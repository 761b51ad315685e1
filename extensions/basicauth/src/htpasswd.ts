// htpasswd files: `user:hash` lines with the formats otelcol's basicauth reads through
// go-htpasswd (its DefaultSystems: MD5 crypt `$apr1$`/`$1$`, `{SHA}`, bcrypt, `{SSHA}`,
// SHA-crypt `$5$`/`$6$`, then plain text). go-htpasswd takes any line no other format claims
// as plain text, so a hash it cannot read (DES crypt, `$y$`, `{SMD5}`) logs in with the hash
// string itself; flowtel refuses such a line at start instead, with its file and line.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The formats whose check costs milliseconds: verified on the worker (verify-worker.mjs). */
export type SlowEntry =
  | { scheme: 'bcrypt'; hash: string }
  | { scheme: 'md5'; magic: '$1$' | '$apr1$'; salt: string; digest: string }
  | { scheme: 'sha256' | 'sha512'; rounds: number; salt: string; digest: string };

/** The formats that cost one SHA-1 at most, checked on the spot. */
export type FastEntry = { scheme: 'sha1'; digest: Buffer; salt: Buffer } | { scheme: 'plain'; password: string };

export type Entry = SlowEntry | FastEntry;

export type Htpasswd = Map<string, Entry>;

const CRYPT64 = '[./0-9A-Za-z]';
const BCRYPT = new RegExp(`^\\$2[abxy]\\$(\\d\\d)\\$${CRYPT64}{53}$`);
const MD5 = new RegExp(`^(\\$apr1\\$|\\$1\\$)([^$]{0,8})\\$(${CRYPT64}{22})$`);
const SHA_CRYPT = new RegExp(`^\\$([56])\\$(?:rounds=(\\d+)\\$)?([^$]{0,16})\\$(${CRYPT64}+)$`);
const DES = new RegExp(`^(?:${CRYPT64}{13}|_${CRYPT64}{19})$`);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads an htpasswd text. Every line must give a user and a password entry flowtel can verify;
 * the error names `source:line` and the format, never the hash.
 */
export function parseHtpasswd(text: string, source: string): Htpasswd {
  const users: Htpasswd = new Map();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${source}:${i + 1}: expected user:password`);
    const user = line.slice(0, colon);
    try {
      users.set(user, parseEntry(line.slice(colon + 1)));
    } catch (err) {
      throw new Error(`${source}:${i + 1}: user ${JSON.stringify(user)}: ${(err as Error).message}`);
    }
  });
  return users;
}

function parseEntry(value: string): Entry {
  if (value.startsWith('$2')) {
    const m = BCRYPT.exec(value);
    const cost = m ? Number(m[1]) : 0;
    if (!m || cost < 4 || cost > 31) throw new Error('malformed bcrypt hash');
    return { scheme: 'bcrypt', hash: value };
  }
  if (value.startsWith('$apr1$') || value.startsWith('$1$')) {
    const m = MD5.exec(value);
    if (!m) throw new Error('malformed MD5 crypt hash');
    return { scheme: 'md5', magic: m[1] as '$1$' | '$apr1$', salt: m[2], digest: m[3] };
  }
  if (value.startsWith('$5$') || value.startsWith('$6$')) {
    const m = SHA_CRYPT.exec(value);
    const scheme = m?.[1] === '5' ? 'sha256' : 'sha512';
    if (!m || m[4].length !== (scheme === 'sha256' ? 43 : 86)) throw new Error('malformed SHA-crypt hash');
    // crypt(3) clamps the round count rather than refusing it
    const rounds = m[2] === undefined ? 5000 : Math.min(Math.max(Number(m[2]), 1000), 999_999_999);
    return { scheme, rounds, salt: m[3], digest: m[4] };
  }
  if (value.startsWith('{SHA}') || value.startsWith('{SSHA}')) {
    const salted = value.startsWith('{SSHA}');
    const b64 = value.slice(salted ? 6 : 5);
    const bytes = BASE64.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (salted ? bytes.length < 20 : bytes.length !== 20)
      throw new Error(`malformed ${salted ? '{SSHA}' : '{SHA}'} hash: expected base64 of a SHA-1 digest`);
    return { scheme: 'sha1', digest: bytes.subarray(0, 20), salt: bytes.subarray(20) };
  }
  // nginx's spelling of a plain password, which go-htpasswd also accepts
  if (value.startsWith('{PLAIN}')) return { scheme: 'plain', password: value.slice(7) };
  const unknown = /^(\$[A-Za-z0-9]+\$|\{[A-Za-z0-9-]+\})/.exec(value)?.[1];
  if (unknown) throw new Error(cannotVerify(`the ${unknown} hash format`));
  if (DES.test(value)) throw new Error(cannotVerify('this looks like a DES crypt hash (htpasswd -d), which'));
  return { scheme: 'plain', password: value };
}

function cannotVerify(what: string): string {
  return (
    `${what} cannot be verified (otelcol would take the hash itself as the password): rehash it with ` +
    'htpasswd -B, -2 or -5, or write {PLAIN}password if it is a plain-text password'
  );
}

/** Checks the formats that cost one SHA-1 at most; the slow ones go to the worker. */
export function verifyFast(entry: FastEntry, password: string): boolean {
  if (entry.scheme === 'plain') return sameBytes(Buffer.from(password), Buffer.from(entry.password));
  const digest = createHash('sha1').update(password).update(entry.salt).digest();
  return sameBytes(digest, entry.digest);
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isSlow(entry: Entry): entry is SlowEntry {
  return entry.scheme !== 'sha1' && entry.scheme !== 'plain';
}
