import { DecodeError } from '../../src/index.ts';

/** An assert.throws check: a DecodeError with the message `reference` throws. */
export function sameError(reference: () => unknown): (e: unknown) => boolean {
  let expected: unknown;
  try {
    reference();
  } catch (err) {
    expected = err;
  }
  if (!(expected instanceof DecodeError)) throw new Error('the reference decoder did not refuse');
  return (e: unknown) => e instanceof DecodeError && e.message === expected.message;
}
