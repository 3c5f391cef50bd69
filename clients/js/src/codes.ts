/** Named codes of the wire protocol (docs/protocol.md): WebSocket close codes and error codes. */

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  abnormal: 1006,
  invalidPayload: 1007,
  messageTooBig: 1009,
  serverError: 1011,
  heartbeatTimeout: 4000,
  authFailed: 4001,
  deviceRefused: 4003,
  slowConsumer: 4008,
  replaced: 4009,
  disconnectedByOperator: 4010,
} as const;

export const ErrorCode = {
  badFrame: 'bad_frame',
  unknownType: 'unknown_type',
  invalidField: 'invalid_field',
  frameTooLarge: 'frame_too_large',
  notReady: 'not_ready',
  alreadyGreeted: 'already_greeted',
  unauthorized: 'unauthorized',
  tokenExpired: 'token_expired',
  deviceRevoked: 'device_revoked',
  deviceNotOwned: 'device_not_owned',
  deviceUnknown: 'device_unknown',
  notMember: 'not_member',
  notFound: 'not_found',
  cursorAhead: 'cursor_ahead',
  resetRequired: 'reset_required',
  conflict: 'conflict',
  unavailable: 'unavailable',
  internal: 'internal',
  rateLimited: 'rate_limited',
  /** Client-side: the connection closed before the request was answered; its outcome is unknown. */
  connectionLost: 'connection_lost',
  /** Client-side: the client was stopped. */
  stopped: 'stopped',
  /** Client-side: the connection was closed for a client bug (1007, 1009) or an unexpected frame. */
  protocol: 'protocol',
  /** Client-side: the local state still differs from the server's after a repair; repairs pause. */
  stateDiverged: 'state_diverged',
  /** Client-side: no WebCrypto here, so state digests are not verified. */
  digestUnavailable: 'digest_unavailable',
} as const;

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Error codes after which a request can be sent again unchanged. */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  ErrorCode.internal, ErrorCode.unavailable, ErrorCode.notReady, ErrorCode.connectionLost,
]);
