import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSettings, testHost } from '@flowtel/testkit';
import { factory, type BasicAuth } from '../src/index.ts';

const basic = (user: string, pass: string) => ({
  authorization: [`Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`],
});

/** Runs a peer tool (Apache's htpasswd, openssl); skips the test when it is missing outside CI. */
function peer(
  t: { skip(msg: string): void },
  cmd: string,
  args: string[],
  input?: string | Buffer,
): string | undefined {
  try {
    return execFileSync(cmd, args, { input }).toString('latin1').trim();
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    t.skip(`${cmd} is not installed`);
    return undefined;
  }
}

async function started(dir: string, htpasswd: { file?: string; inline?: string }) {
  const ext = factory.createExtension(
    testSettings('basicauth', 'extension', dir),
    factory.configSchema.parse({ htpasswd }),
  ) as BasicAuth;
  await ext.start();
  return ext;
}

// a password longer than a SHA-512 digest and with bytes outside ASCII exercises every branch
// of the crypt algorithms (the digest repeated, a multi-byte UTF-8 password)
const LONG = 'pässwörd-'.repeat(8);

test('every htpasswd format go-htpasswd reads, written by htpasswd and openssl, verifies; the hash never does', async (t) => {
  const users: [string, string, string][] = [];
  const add = (user: string, password: string, hash: string | undefined) => {
    if (hash !== undefined) users.push([user, password, hash.replace(/^[^:]*:/, '')]);
  };
  const htpasswd = (user: string, password: string, ...flags: string[]) =>
    add(user, password, peer(t, 'htpasswd', ['-nb', ...flags, user, password]));
  const openssl = (user: string, password: string, ...flags: string[]) =>
    add(user, password, peer(t, 'openssl', ['passwd', ...flags, '-stdin'], password));
  htpasswd('bcrypt', 'pw-b', '-B');
  htpasswd('bcrypt-long', LONG.slice(0, 60), '-B', '-C', '4');
  htpasswd('apr1', 'pw-m', '-m');
  htpasswd('apr1-long', LONG, '-m');
  htpasswd('sha', 'pw-s', '-s');
  htpasswd('sha256', 'pw-2', '-2');
  htpasswd('sha256-rounds', LONG, '-2', '-r', '1000');
  htpasswd('sha512', LONG, '-5');
  htpasswd('sha512-rounds', 'pw-5', '-5', '-r', '12345');
  openssl('md5', 'pw-1', '-1');
  openssl('md5-long', LONG, '-1');
  openssl('apr1-openssl', 'pw-a', '-apr1');
  openssl('sha256-openssl', 'pw-o5', '-5');
  // crypt(3) uses the first 16 characters of a longer salt
  openssl('sha512-openssl', LONG, '-6', '-salt', 'a-salt-longer-than-16');
  // {SSHA}: base64 of SHA-1(password + salt) followed by the salt, the digest from openssl
  const salt = Buffer.from([0x01, 0xfe, 0x20, 0x7f]);
  const digest = peer(t, 'openssl', ['sha1', '-binary'], Buffer.concat([Buffer.from('pw-ss'), salt]));
  if (digest !== undefined)
    add('ssha', 'pw-ss', `{SSHA}${Buffer.concat([Buffer.from(digest, 'latin1'), salt]).toString('base64')}`);
  if (users.length < 16) return;

  const dir = mkdtempSync(join(tmpdir(), 'basicauth-'));
  writeFileSync(join(dir, '.htpasswd'), users.map(([u, , h]) => `${u}:${h}`).join('\n') + '\n');
  const ext = await started(dir, { file: '.htpasswd', inline: 'plain:pw-p\nnginx:{PLAIN}pw-n\nsha:pw-inline' });
  try {
    for (const [user, password, hash] of users) {
      // the inline line wins over the file's for the same user, as otelcol's reader keeps the last
      const pass = user === 'sha' ? 'pw-inline' : password;
      assert.equal((await ext.authenticate(basic(user, pass))).username, user, `${user} (${hash})`);
      await assert.rejects(ext.authenticate(basic(user, `${pass}x`)), /invalid credentials/, user);
      await assert.rejects(ext.authenticate(basic(user, hash)), /invalid credentials/, `${user}: its hash`);
    }
    assert.equal((await ext.authenticate(basic('plain', 'pw-p'))).username, 'plain');
    assert.equal((await ext.authenticate(basic('nginx', 'pw-n'))).username, 'nginx');
    await assert.rejects(ext.authenticate(basic('plain', 'pw-px')), /invalid credentials/);
    await assert.rejects(ext.authenticate(basic('nobody', 'pw-p')), /invalid credentials/);
    await assert.rejects(ext.authenticate({}), /no basic auth/);
    await assert.rejects(ext.authenticate({ authorization: ['Bearer abc'] }), /expected Basic/);
  } finally {
    await ext.shutdown();
  }
});

test('an entry that cannot be verified is refused at start with its file and line', async (t) => {
  const des = peer(t, 'htpasswd', ['-nbd', 'des', 'pw']);
  if (des === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'basicauth-'));
  const cases: [string, RegExp][] = [
    [des, /\.htpasswd:3: user "des": this looks like a DES crypt hash .*cannot be verified/],
    ['yes:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7', /:3: user "yes": the \$y\$ hash/],
    ['smd5:{SMD5}Gh0e4uXxC9S4DlfRlqDgpmJWTEk=', /:3: user "smd5": the \{SMD5\} hash format cannot be verified/],
    ['bad:$2y$05$tooShort', /:3: user "bad": malformed bcrypt hash/],
    ['bad:$apr1$salt$short', /:3: user "bad": malformed MD5 crypt hash/],
    ['bad:$6$salt$short', /:3: user "bad": malformed SHA-crypt hash/],
    ['bad:{SHA}bm90IDIwIGJ5dGVz', /:3: user "bad": malformed \{SHA\} hash/],
    ['nocolon', /:3: expected user:password/],
  ];
  for (const [line, expected] of cases) {
    writeFileSync(join(dir, '.htpasswd'), `# users\nok:pw\n${line}\n`);
    await assert.rejects(started(dir, { file: '.htpasswd' }), expected, line);
  }
  // the hash itself is never quoted in the error
  writeFileSync(join(dir, '.htpasswd'), `${des}\n`);
  await assert.rejects(started(dir, { file: '.htpasswd' }), (err: Error) => !err.message.includes(des.split(':')[1]));
  await assert.rejects(started(dir, { inline: 'a:{SMD5}abc' }), /htpasswd::inline:1: user "a"/);
});

test('bcrypt runs off the event loop; a verified pair is cached and concurrent checks share one', async (t) => {
  const line = peer(t, 'htpasswd', ['-nbB', '-C', '12', 'slow', 'right']);
  if (line === undefined) return;
  const ext = await started(process.cwd(), { inline: line });
  try {
    // a cost-12 bcrypt takes hundreds of ms: on the JS thread no setImmediate would run meanwhile
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const all = await Promise.all(Array.from({ length: 20 }, () => ext.authenticate(basic('slow', 'right'))));
    spinning = false;
    assert.ok(turns > 20, `the event loop turned ${turns} times during the check`);
    assert.ok(all.every((a) => a.username === 'slow'));
    assert.equal(ext.passwordChecks(), 1, '20 concurrent requests with the same credentials share one check');
    assert.equal((await ext.authenticate(basic('slow', 'right'))).username, 'slow');
    assert.equal(ext.passwordChecks(), 1, 'the verified pair is remembered');
    // failures are not remembered: each wrong password is checked again
    await assert.rejects(ext.authenticate(basic('slow', 'wrong')), /invalid credentials/);
    await assert.rejects(ext.authenticate(basic('slow', 'wrong')), /invalid credentials/);
    assert.equal(ext.passwordChecks(), 3);
  } finally {
    await ext.shutdown();
  }
});

test('past the pending bound a request is refused at once instead of queued', async (t) => {
  const line = peer(t, 'htpasswd', ['-nbB', '-C', '4', 'u', 'right']);
  if (line === undefined) return;
  const ext = await started(process.cwd(), { inline: line });
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) => ext.authenticate(basic('u', `wrong-${i}`))),
    );
    const refused = results.filter((r) => r.status === 'rejected' && /checks already pending/.test(String(r.reason)));
    assert.equal(refused.length, 300 - 256);
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal((await ext.authenticate(basic('u', 'right'))).username, 'u');
  } finally {
    await ext.shutdown();
  }
});

test('client side sends client_auth as a Basic header', async () => {
  const ext = factory.createExtension(
    testSettings('basicauth', 'extension'),
    factory.configSchema.parse({ client_auth: { username: 'u', password: 'p:q' } }),
  ) as BasicAuth;
  await ext.start();
  const headers = await ext.headers();
  assert.equal(Buffer.from(headers.authorization.replace('Basic ', ''), 'base64').toString(), 'u:p:q');
});

test('a config with neither side fails at start with a clear message', async () => {
  const ext = factory.createExtension(testSettings('basicauth', 'extension'), factory.configSchema.parse({}));
  await assert.rejects(ext.start(testHost()), /set htpasswd .* or client_auth/);
});
