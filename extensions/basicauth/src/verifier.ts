// Password checks that never hold the event loop: the slow formats go to one worker thread
// (verify-worker.mjs), a verified (user, password digest) pair is remembered for a minute so
// a client sending the same credentials on every request costs one check a minute, and
// concurrent requests with the same credentials share one check.
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { isSlow, verifyFast, type Htpasswd, type SlowEntry } from './htpasswd.ts';

/** How long a verified pair is trusted without a new check. */
export const VERIFIED_TTL_MS = 60_000;
/** Verified pairs kept at most (the oldest goes first). */
const VERIFIED_MAX = 1024;
/**
 * Checks queued on the worker at most: past it a request is refused at once rather than held
 * (with its body) behind seconds of bcrypt, which wrong passwords sent in a loop would cause.
 */
export const MAX_PENDING_CHECKS = 256;

export class PasswordVerifier {
  private readonly users: Htpasswd;
  /** keyed per process, so the cache holds no digest an offline attack could use */
  private readonly digestKey = randomBytes(32);
  private readonly verified = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly waiting = new Map<number, { resolve: (ok: boolean) => void; reject: (err: Error) => void }>();
  private worker: Worker | undefined;
  private nextId = 0;
  /** checks run on the worker so far (the cache and the sharing of checks show in it) */
  checks = 0;

  constructor(users: Htpasswd) {
    this.users = users;
    // started now rather than at the first request, which would wait for the thread and its
    // modules to load as well (about a second at load average 20)
    if ([...users.values()].some(isSlow)) this.startWorker();
  }

  async verify(user: string, password: string): Promise<boolean> {
    const entry = this.users.get(user);
    if (entry === undefined) return false;
    if (!isSlow(entry)) return verifyFast(entry, password);
    const key = `${user}\0${createHmac('sha256', this.digestKey).update(password).digest('base64')}`;
    const until = this.verified.get(key);
    if (until !== undefined) {
      if (until > Date.now()) return true;
      this.verified.delete(key);
    }
    let check = this.inFlight.get(key);
    if (check === undefined) {
      if (this.waiting.size >= MAX_PENDING_CHECKS)
        throw new Error(`basicauth: ${MAX_PENDING_CHECKS} password checks already pending, try again`);
      check = this.onWorker(entry, password)
        .then((ok) => {
          if (ok) this.remember(key);
          return ok;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, check);
    }
    return check;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private remember(key: string): void {
    this.verified.delete(key);
    this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    if (this.verified.size > VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
  }

  private onWorker(entry: SlowEntry, password: string): Promise<boolean> {
    const worker = this.worker ?? this.startWorker();
    const id = this.nextId++;
    this.checks++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, entry, password });
    });
  }

  private startWorker(): Worker {
    // resolved through the package's exports so that the collector's bundle finds it too
    const path = createRequire(import.meta.url).resolve('@flowtel/extension-basicauth/verify-worker');
    const worker = new Worker(path);
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean }) => {
      const waiter = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      waiter?.resolve(m.ok);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (err) => fail(new Error(`basicauth: password check worker failed: ${err.message}`)));
    worker.on('exit', () => fail(new Error('basicauth: password check worker stopped')));
    this.worker = worker;
    return worker;
  }
}
