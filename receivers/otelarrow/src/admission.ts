// contrib's admission.BoundedQueue: requests are admitted while the bytes in flight stay under
// request_limit_mib; past it they wait, as long as the bytes waiting stay under
// waiting_limit_mib; past that they are refused (RESOURCE_EXHAUSTED, which exporters retry).

export class AdmissionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionRefused';
  }
}

export class BoundedQueue {
  private inFlight = 0;
  private waitingBytes = 0;
  private readonly waiters: { bytes: number; admit: () => void }[] = [];

  constructor(
    private readonly limit: number,
    private readonly waitingLimit: number,
  ) {}

  get bytesInFlight(): number {
    return this.inFlight;
  }

  get bytesWaiting(): number {
    return this.waitingBytes;
  }

  /** Resolves once `bytes` are admitted; call the returned function when they leave. */
  async acquire(bytes: number): Promise<() => void> {
    if (this.limit <= 0) return () => undefined;
    if (bytes > this.limit)
      throw new AdmissionRefused(
        `rejecting request, too much pending data: ${bytes} bytes exceed the request limit of ${this.limit}`,
      );
    if (this.waiters.length === 0 && this.inFlight + bytes <= this.limit) {
      this.inFlight += bytes;
    } else {
      if (this.waitingBytes + bytes > this.waitingLimit)
        throw new AdmissionRefused('rejecting request, too much pending data: the waiting limit is reached');
      this.waitingBytes += bytes;
      await new Promise<void>((admit) => this.waiters.push({ bytes, admit }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
      this.admitWaiters();
    };
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.inFlight + this.waiters[0].bytes <= this.limit) {
      const w = this.waiters.shift()!;
      this.waitingBytes -= w.bytes;
      this.inFlight += w.bytes;
      w.admit();
    }
  }
}
