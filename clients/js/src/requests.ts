/**
 * Request/reply over one connection: numbers each request, matches the reply by id, retries a
 * `rate_limited` answer after its `retry_after_ms`, and fails what is in flight when the
 * connection ends (connection_lost).
 */

import { ErrorCode } from './codes.js';
import { LockstepError } from './errors.js';

interface InFlight {
  frame: Record<string, unknown>;
  resolve: (reply: Record<string, any>) => void;
  reject: (error: LockstepError) => void;
}

export class Requests {
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly waiting = new Map<ReturnType<typeof setTimeout>, InFlight>();

  constructor(private readonly write: (frame: Record<string, unknown>) => void) {}

  send(frame: Record<string, unknown>): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => this.dispatch({ frame, resolve, reject }));
  }

  /** A frame with an id: answers true when it belonged to a request. */
  onReply(frame: Record<string, any>): boolean {
    const id = frame.id;
    if (typeof id !== 'number') return false;
    const request = this.inFlight.get(id);
    if (!request) return false;
    this.inFlight.delete(id);
    if (frame.type !== 'error') {
      request.resolve(frame);
    } else if (frame.code === ErrorCode.rateLimited) {
      const timer = setTimeout(() => {
        this.waiting.delete(timer);
        this.dispatch(request);
      }, Math.max(0, Number(frame.retry_after_ms ?? 1000)));
      this.waiting.set(timer, request);
    } else {
      request.reject(LockstepError.fromFrame(frame));
    }
    return true;
  }

  /** The connection ended: everything in flight or waiting for a rate limit fails. */
  failAll(code: string = ErrorCode.connectionLost, message = 'the connection closed before the server answered'): void {
    for (const timer of this.waiting.keys()) clearTimeout(timer);
    const pending = [...this.inFlight.values(), ...this.waiting.values()];
    this.waiting.clear();
    this.inFlight.clear();
    for (const request of pending) request.reject(new LockstepError(code, message));
  }

  get size(): number {
    return this.inFlight.size + this.waiting.size;
  }

  private dispatch(request: InFlight): void {
    const id = this.nextId++;
    this.inFlight.set(id, request);
    try {
      this.write({ ...request.frame, id });
    } catch (error) {
      this.inFlight.delete(id);
      request.reject(error instanceof LockstepError ? error : new LockstepError(ErrorCode.connectionLost, String(error)));
    }
  }
}
