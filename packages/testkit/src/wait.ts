import { connect } from 'node:net';
import type { RunningCollector } from './collector.ts';
import { CONDITION_TIMEOUT_MS, waitFor } from './ports.ts';

/** Resolves once something accepts TCP connections on host:port. */
export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = CONDITION_TIMEOUT_MS): Promise<true> {
  return waitFor(
    `${host}:${port} to accept connections`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, host);
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    timeoutMs,
  );
}

/** Resolves once the collector's output contains `text`; rejects, with that output, if it exits first or after `timeoutMs`. */
export async function waitForOutput(
  collector: RunningCollector,
  text: string | RegExp,
  timeoutMs = CONDITION_TIMEOUT_MS,
): Promise<void> {
  const seen = () => (typeof text === 'string' ? collector.output().includes(text) : text.test(collector.output()));
  let exited = false;
  void collector.exited.then(() => (exited = true));
  await waitFor(
    `the collector to print ${text}`,
    async () => {
      if (seen()) return true;
      if (exited) throw new Error(`collector exited before printing ${text}; output:\n${collector.output()}`);
      return false;
    },
    timeoutMs,
    20,
  ).catch((err: Error) => {
    throw exited ? err : new Error(`${err.message}; output:\n${collector.output()}`);
  });
}
