/** The closed set of reasons a request can fail for; adapters map vendor errors onto these. */
export type FailureReason =
  | 'invalid_input'
  | 'not_found'
  | 'already_exists'
  | 'illegal_transition'
  | 'forbidden'
  | 'not_configured'
  | 'conflict'
  | 'limit_reached'
  | 'unauthenticated'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout';

/**
 * A failure whose message is meant for the person who asked: short, and says what to do.
 * Anything that is not an AppError is a bug and is shown only as a generic apology.
 */
export class AppError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
