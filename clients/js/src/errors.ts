/** LockstepError: a refused request or a connection problem, with the protocol's error code. */

export class LockstepError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'LockstepError';
    this.code = code;
    this.details = details;
  }

  /** From an error frame: {type: "error", code, message, ...details}. */
  static fromFrame(frame: Record<string, unknown>): LockstepError {
    const { type: _type, id: _id, code, message, ...details } = frame;
    return new LockstepError(String(code), String(message ?? code), details);
  }
}
