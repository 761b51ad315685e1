import { createServer } from 'node:net';

/** A TCP port free on loopback right now (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long a test waits for a condition by default. A condition met on a quiet machine within a
 * second or two (a collector's start: tsx compiling the sources it imports, eBPF programs
 * loading) took over 30 s on this 2-core machine at load 25-30; waiting longer costs nothing
 * when the condition comes, and only a failing test waits it out.
 */
export const CONDITION_TIMEOUT_MS = 90_000;

/** Polls until `probe` resolves truthy, or fails after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = CONDITION_TIMEOUT_MS,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with the response once `url` answers with `status`. */
export function waitForHttp(url: string, status = 200, timeoutMs = CONDITION_TIMEOUT_MS): Promise<Response> {
  return waitFor(
    `${url} to answer ${status}`,
    async () => {
      const res = await fetch(url);
      return res.status === status ? res : undefined;
    },
    timeoutMs,
  );
}
