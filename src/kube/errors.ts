import { AppError } from '../domain/errors.js';
import { withTimeout } from '../support/deadline.js';

/** Maps what the Kubernetes API (or the way to it) said to a reason and a sentence for people. */
export function kubeFailure(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  const rawBody = (error as { body?: unknown }).body;
  const body = typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody ?? '');
  if (code === 403) {
    return new AppError(
      'forbidden',
      `The cluster refused release-bot permission to ${what} (403): grant its service account RBAC for it.`,
      { cause: error },
    );
  }
  if (code === 401) {
    return new AppError(
      'unauthenticated',
      `The cluster did not accept release-bot's credentials (401) while trying to ${what}: check KUBECONFIG.`,
      { cause: error },
    );
  }
  if (code === 404) {
    return new AppError('not_found', `Not found while trying to ${what} (404).`, { cause: error });
  }
  if (code === 409)
    return new AppError('conflict', `Someone else changed it while release-bot tried to ${what} (409).`, {
      cause: error,
    });
  if (code === 422 || (code === 500 && body.includes('failed to create typed patch object'))) {
    return new AppError(
      'invalid_input',
      `The cluster rejected the object while trying to ${what}: ${extractMessage(body)}`,
      { cause: error },
    );
  }
  if (code === 429)
    return new AppError(
      'rate_limited',
      `The cluster is throttling release-bot (429) while trying to ${what}; try again shortly.`,
      { cause: error },
    );
  return new AppError(
    'unavailable',
    `Could not reach the cluster to ${what}${typeof code === 'number' ? ` (${code})` : ''}: check KUBECONFIG and that the API server is up.`,
    {
      cause: error,
    },
  );
}

function extractMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return (typeof message === 'string' ? message : body).slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** A cluster call that must answer within `ms`. */
export function withClusterTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(
    promise,
    ms,
    () =>
      new AppError('timeout', `The cluster did not answer within ${ms / 1000} s while trying to ${what}.`),
  );
}
