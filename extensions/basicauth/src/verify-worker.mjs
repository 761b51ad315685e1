// @ts-check
// The slow htpasswd formats, checked on a worker thread: a cost-10 bcrypt takes ~90 ms of CPU
// and a 5000-round SHA-crypt ~15 ms, during which an event loop would serve no receiver.
// Plain JavaScript (not TypeScript) because a worker is a file node runs by itself: the
// collector's bundle and tsx's loader are not there for it. htpasswd.ts starts it and keeps
// the cheap formats ({SHA}, {SSHA}, plain) on the main thread.
import { createHash, timingSafeEqual } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { compareSync } from 'bcryptjs';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * crypt(3)'s base64: three bytes, most significant first, written six bits at a time from the
 * low end.
 * @param {number} b2 @param {number} b1 @param {number} b0 @param {number} chars
 */
function b64From24(b2, b1, b0, chars) {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < chars; i++, w >>>= 6) out += ITOA64[w & 0x3f];
  return out;
}

/**
 * The rounds MD5 crypt and SHA-crypt share: each hashes the last digest with the password and
 * salt in an order set by the round number.
 * @param {number} rounds @param {() => import('node:crypto').Hash} hash @param {Buffer} digest
 * @param {Buffer} p @param {Buffer} s
 */
function stretch(rounds, hash, digest, p, s) {
  let d = digest;
  for (let i = 0; i < rounds; i++) {
    const round = hash();
    round.update(i & 1 ? p : d);
    if (i % 3) round.update(s);
    if (i % 7) round.update(p);
    round.update(i & 1 ? d : p);
    d = round.digest();
  }
  return d;
}

/**
 * Poul-Henning Kamp's MD5 crypt, as `$1$` and (Apache's name for the same algorithm) `$apr1$`.
 * @param {string} password @param {string} salt at most 8 characters are used
 * @param {string} magic `$1$` or `$apr1$`
 * @returns {string} the 22 characters after the salt's `$`
 */
export function md5Crypt(password, salt, magic) {
  const pw = Buffer.from(password);
  const s = salt.slice(0, 8);
  const md5 = () => createHash('md5');
  const alternate = md5().update(pw).update(s).update(pw).digest();
  const ctx = md5().update(pw).update(magic).update(s);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  const d = stretch(1000, md5, ctx.digest(), pw, Buffer.from(s));
  return (
    b64From24(d[0], d[6], d[12], 4) +
    b64From24(d[1], d[7], d[13], 4) +
    b64From24(d[2], d[8], d[14], 4) +
    b64From24(d[3], d[9], d[15], 4) +
    b64From24(d[4], d[10], d[5], 4) +
    b64From24(0, 0, d[11], 2)
  );
}

// Ulrich Drepper's SHA-crypt output order: each row is three digest bytes written as four
// characters; the tail is the leftover byte(s).
const SHA256_ORDER = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
];
const SHA512_ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

/**
 * SHA-crypt (`$5$` SHA-256, `$6$` SHA-512) as glibc's crypt(3) and Apache's htpasswd -2/-5.
 * @param {string} password @param {string} salt at most 16 characters are used
 * @param {number} rounds already clamped to 1000..999999999
 * @param {'sha256' | 'sha512'} algorithm
 * @returns {string} the encoded digest after the salt's `$`
 */
export function shaCrypt(password, salt, rounds, algorithm) {
  const p = Buffer.from(password);
  const s = Buffer.from(salt.slice(0, 16));
  const hash = () => createHash(algorithm);
  const b = hash().update(p).update(s).update(p).digest();
  const size = b.length;
  const a = hash().update(p).update(s);
  for (let left = p.length; left > 0; left -= size) a.update(b.subarray(0, Math.min(left, size)));
  for (let n = p.length; n > 0; n >>>= 1) a.update(n & 1 ? b : p);
  const a0 = a.digest();
  const dp = hash();
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pBytes = repeatTo(dp.digest(), p.length);
  const ds = hash();
  for (let i = 0; i < 16 + a0[0]; i++) ds.update(s);
  const sBytes = repeatTo(ds.digest(), s.length);
  const c = stretch(rounds, hash, a0, pBytes, sBytes);
  let out = '';
  for (const [x, y, z] of algorithm === 'sha256' ? SHA256_ORDER : SHA512_ORDER) out += b64From24(c[x], c[y], c[z], 4);
  return out + (algorithm === 'sha256' ? b64From24(0, c[31], c[30], 3) : b64From24(0, 0, c[63], 2));
}

/** @param {Buffer} digest @param {number} length */
function repeatTo(digest, length) {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += digest.length) digest.copy(out, i, 0, Math.min(digest.length, length - i));
  return out;
}

/** @param {string} a @param {string} b */
function sameText(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether `password` matches an entry htpasswd.ts parsed (it checked the entry's shape).
 * @param {import('./htpasswd.ts').SlowEntry} entry @param {string} password
 */
export function verifySlow(entry, password) {
  switch (entry.scheme) {
    case 'bcrypt':
      // Go's bcrypt reads $2x$ as $2a$ (it has no crypt_blowfish bug to emulate); bcryptjs
      // refuses the prefix, so it gets the one Go acts on.
      return compareSync(password, entry.hash.replace(/^\$2x\$/, '$2a$'));
    case 'md5':
      return sameText(md5Crypt(password, entry.salt, entry.magic), entry.digest);
    case 'sha256':
    case 'sha512':
      return sameText(shaCrypt(password, entry.salt, entry.rounds, entry.scheme), entry.digest);
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (/** @type {{id: number, entry: import('./htpasswd.ts').SlowEntry, password: string}} */ m) => {
    let ok = false;
    try {
      ok = verifySlow(m.entry, m.password);
    } catch {
      // a hash bcryptjs cannot read fails the check; htpasswd.ts refused malformed ones at start
    }
    port.postMessage({ id: m.id, ok });
  });
}
