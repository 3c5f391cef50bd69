/**
 * Keeps a connection honest: pings every half heartbeat interval (the server closes a connection
 * silent for two intervals) and reports the connection dead when nothing arrived for a whole one.
 */

export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastReceived = Date.now();

  constructor(private readonly ping: () => void, private readonly dead: () => void, private readonly now: () => number = Date.now) {}

  start(intervalMs: number): void {
    this.stop();
    this.lastReceived = this.now();
    this.timer = setInterval(() => {
      if (this.now() - this.lastReceived > intervalMs) {
        this.stop();
        this.dead();
        return;
      }
      this.ping();
    }, Math.max(50, Math.floor(intervalMs / 2)));
  }

  received(): void {
    this.lastReceived = this.now();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
