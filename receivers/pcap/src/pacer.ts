// Real-time replay: the capture's own gaps between packets, measured from its first event.

export class Pacer {
  private startNs: bigint | undefined;
  private startWallMs = 0;

  /** Milliseconds to wait before an event with this capture timestamp is due (0 if it is). */
  delayFor(timestampNs: bigint): number {
    if (this.startNs === undefined) {
      this.startNs = timestampNs;
      this.startWallMs = performance.now();
      return 0;
    }
    const dueMs = Number(timestampNs - this.startNs) / 1e6;
    return Math.max(0, dueMs - (performance.now() - this.startWallMs));
  }
}
