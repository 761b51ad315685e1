import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSettings, testHost } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { apr1 } from '../src/htpasswd.ts';

const basic = (user: string, pass: string) => ({
  authorization: [`Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`],
});

function htpasswdLine(flag: string, user: string, pass: string): string | undefined {
  try {
    return execFileSync('htpasswd', ['-nb', flag, user, pass], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

test('apr1 matches openssl passwd -apr1', (t) => {
  let expected: string;
  try {
    expected = execFileSync('openssl', ['passwd', '-apr1', '-salt', 'Xy9aB3cD', 's3cr3t pass'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  assert.equal(apr1('s3cr3t pass', 'Xy9aB3cD'), expected);
});

test('server side accepts the hash formats Apache htpasswd writes, and refuses wrong passwords', async (t) => {
  const lines = [
    htpasswdLine('-B', 'bcrypt', 'pw-b'),
    htpasswdLine('-m', 'md5', 'pw-m'),
    htpasswdLine('-s', 'sha', 'pw-s'),
  ];
  if (lines.some((l) => !l)) {
    if (process.env.CI === 'true') throw new Error('htpasswd (apache2-utils) is missing');
    return t.skip('htpasswd (apache2-utils) is not installed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'basicauth-'));
  writeFileSync(join(dir, '.htpasswd'), lines.join('\n') + '\n');
  const ext = factory.createExtension(
    testSettings('basicauth', 'extension', dir),
    factory.configSchema.parse({
      htpasswd: { file: '.htpasswd', inline: 'plain:pw-p' },
    }),
  );
  await ext.start(testHost());
  const auth = ext as unknown as { authenticate(h: Record<string, string[]>): Promise<Record<string, unknown>> };
  for (const [user, pass] of [
    ['bcrypt', 'pw-b'],
    ['md5', 'pw-m'],
    ['sha', 'pw-s'],
    ['plain', 'pw-p'],
  ]) {
    assert.equal((await auth.authenticate(basic(user, pass))).username, user);
    await assert.rejects(auth.authenticate(basic(user, `${pass}x`)), /invalid credentials/);
  }
  await assert.rejects(auth.authenticate(basic('nobody', 'pw-p')), /invalid credentials/);
  await assert.rejects(auth.authenticate({}), /no basic auth/);
  await assert.rejects(auth.authenticate({ authorization: ['Bearer abc'] }), /expected Basic/);
  await ext.shutdown();
});

test('client side sends client_auth as a Basic header', async () => {
  const ext = factory.createExtension(
    testSettings('basicauth', 'extension'),
    factory.configSchema.parse({ client_auth: { username: 'u', password: 'p:q' } }),
  );
  await ext.start(testHost());
  const headers = await (ext as unknown as { headers(): Promise<Record<string, string>> }).headers();
  assert.equal(Buffer.from(headers.authorization.replace('Basic ', ''), 'base64').toString(), 'u:p:q');
});

test('a config with neither side fails at start with a clear message', async () => {
  const ext = factory.createExtension(testSettings('basicauth', 'extension'), factory.configSchema.parse({}));
  await assert.rejects(ext.start(testHost()), /set htpasswd .* or client_auth/);
});
