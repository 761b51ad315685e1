// DeepFlow's protocol test captures (see /work/shared/testdata/deepflow/README.md).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DEEPFLOW_DIR = process.env.FLOWTEL_DEEPFLOW_TESTDATA ?? '/work/shared/testdata/deepflow';
export const DEEPFLOW_CAPTURES = join(DEEPFLOW_DIR, 'flow_generator');

export const haveDeepflowCaptures = existsSync(DEEPFLOW_CAPTURES);

/** Skips a test outside CI when the captures are absent; in CI their absence fails it. */
export function requireDeepflow(t: { skip(msg: string): void }): boolean {
  if (haveDeepflowCaptures) return true;
  const message = `DeepFlow's captures are not at ${DEEPFLOW_CAPTURES} (set FLOWTEL_DEEPFLOW_TESTDATA)`;
  if (process.env.CI === 'true') assert.fail(message);
  t.skip(message);
  return false;
}
