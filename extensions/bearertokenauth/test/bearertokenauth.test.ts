import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

type Auth = {
  start(h: unknown): Promise<void>;
  shutdown(): Promise<void>;
  authenticate(h: Record<string, string[]>): Promise<unknown>;
  headers(): Promise<Record<string, string>>;
};

function create(config: unknown, dir?: string): Auth {
  return factory.createExtension(
    testSettings('bearertokenauth', 'extension', dir),
    factory.configSchema.parse(config),
  ) as unknown as Auth;
}

test('server side accepts "<scheme> <token>" for any configured token and refuses others', async () => {
  const ext = create({ token: 'abc', tokens: ['def'] });
  await ext.start({});
  await ext.authenticate({ authorization: ['Bearer abc'] });
  await ext.authenticate({ authorization: ['Bearer def'] });
  await assert.rejects(ext.authenticate({ authorization: ['Bearer abd'] }), /didn't succeed/);
  await assert.rejects(ext.authenticate({ authorization: ['abc'] }), /didn't succeed/);
  await assert.rejects(ext.authenticate({}), /missing/);
});

test('a custom scheme and header are used on both sides', async () => {
  const ext = create({ token: 't0k', scheme: 'Token', header: 'X-Api-Key' });
  await ext.start({});
  assert.deepEqual(await ext.headers(), { 'x-api-key': 'Token t0k' });
  await ext.authenticate({ 'x-api-key': ['Token t0k'] });
  await assert.rejects(ext.authenticate({ authorization: ['Token t0k'] }), /missing/);
});

test('a token file is read at start and re-read when it changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bearer-'));
  writeFileSync(join(dir, 'token'), 'first\n');
  const ext = create({ filename: 'token' }, dir);
  await ext.start({});
  assert.deepEqual(await ext.headers(), { authorization: 'Bearer first' });
  writeFileSync(join(dir, 'token'), 'second\n');
  await waitFor('the new token', async () => (await ext.headers()).authorization === 'Bearer second');
  await assert.rejects(ext.authenticate({ authorization: ['Bearer first'] }));
  await ext.shutdown();
});

test('config errors: token and filename together are refused; no token at all fails start', async () => {
  assert.throws(() => factory.configSchema.parse({ token: 'a', filename: 'f' }), /either filename or token/);
  await assert.rejects(create({}).start({}), /set token, tokens or filename/);
});
