// htpasswd files: `user:hash` lines, with the hash formats Apache's htpasswd writes (bcrypt,
// $apr1$ MD5, {SHA}) and plain text, as the Go library otelcol's basicauth uses accepts.
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type Htpasswd = Map<string, string>;

export function parseHtpasswd(text: string, source: string): Htpasswd {
  const users: Htpasswd = new Map();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${source}:${i + 1}: expected user:password`);
    users.set(line.slice(0, colon), line.slice(colon + 1));
  });
  return users;
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++, value >>>= 6) out += ITOA64[value & 0x3f];
  return out;
}

/** The Apache variant of md5crypt. */
export function apr1(password: string, salt: string): string {
  const pw = Buffer.from(password);
  const md5 = () => createHash('md5');
  const alternate = md5().update(pw).update(salt).update(pw).digest();
  const ctx = md5().update(pw).update('$apr1$').update(salt);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let digest = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = md5();
    round.update(i & 1 ? pw : digest);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? digest : pw);
    digest = round.digest();
  }
  const d = digest;
  const encoded =
    to64((d[0] << 16) | (d[6] << 8) | d[12], 4) +
    to64((d[1] << 16) | (d[7] << 8) | d[13], 4) +
    to64((d[2] << 16) | (d[8] << 8) | d[14], 4) +
    to64((d[3] << 16) | (d[9] << 8) | d[15], 4) +
    to64((d[4] << 16) | (d[10] << 8) | d[5], 4) +
    to64(d[11], 2);
  return `$apr1$${salt}$${encoded}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `password` matches the stored `hash`, whatever its format. */
export function verifyPassword(password: string, hash: string): boolean {
  if (/^\$2[abxy]\$/.test(hash)) return bcrypt.compareSync(password, hash);
  if (hash.startsWith('$apr1$')) {
    const salt = hash.slice(6).split('$')[0];
    return sameText(apr1(password, salt), hash);
  }
  if (hash.startsWith('{SHA}')) return sameText(`{SHA}${createHash('sha1').update(password).digest('base64')}`, hash);
  return sameText(password, hash);
}
