// zap's sampler, which otelcol's debug exporter wraps its output in: per message text and
// per second, the first `initial` messages pass, then every `thereafter`-th.

const BUCKETS = 4096;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Sampler {
  private readonly initial: number;
  private readonly thereafter: number;
  private readonly counts = new Uint32Array(BUCKETS);
  private tick = 0;

  constructor(initial: number, thereafter: number) {
    this.initial = initial;
    this.thereafter = thereafter;
  }

  allow(message: string, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.tick) {
      this.tick = second;
      this.counts.fill(0);
    }
    const n = ++this.counts[fnv1a(message) % BUCKETS];
    return n <= this.initial || (this.thereafter > 0 && (n - this.initial) % this.thereafter === 0);
  }
}
