// API errors normalised once, at the edge: every failure of a request to any cluster becomes an ApiError
// with the HTTP code and Kubernetes reason, so callers branch on meaning (not found, conflict, gone…).

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status; 0 when the request never got an answer (connection refused, timeout, TLS). */
    readonly code: number,
    /** Kubernetes Status reason (NotFound, AlreadyExists, Conflict, Expired, Invalid…) or a transport code. */
    readonly reason: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Builds an ApiError from a response body that is (usually) a metav1.Status. */
export function apiErrorFromResponse(code: number, body: string, what: string): ApiError {
  let status: { message?: string; reason?: string; details?: unknown } | undefined;
  try {
    status = JSON.parse(body) as typeof status;
  } catch {
    status = undefined;
  }
  const reason = status?.reason || httpReason(code);
  const message = status?.message || body.slice(0, 500) || `HTTP ${code}`;
  return new ApiError(`${what}: ${message}`, code, reason, status?.details);
}

/** Wraps a transport failure (no HTTP answer). */
export function apiErrorFromTransport(err: unknown, what: string): ApiError {
  const e = err as NodeJS.ErrnoException;
  const reason = e?.code ?? (e?.name === 'AbortError' ? 'Timeout' : 'TransportError');
  return new ApiError(`${what}: ${e?.message ?? String(err)}`, 0, reason, undefined, { cause: err });
}

function httpReason(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return `HTTP${code}`;
  }
}

const codeOf = (err: unknown): number | undefined => (err instanceof ApiError ? err.code : undefined);

export const isNotFound = (err: unknown): boolean => codeOf(err) === 404;
export const isConflict = (err: unknown): boolean => codeOf(err) === 409 && (err as ApiError).reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean => codeOf(err) === 409 && (err as ApiError).reason === 'AlreadyExists';
/** 410: the resourceVersion a list or watch started from has been compacted away; relist. */
export const isGone = (err: unknown): boolean => codeOf(err) === 410;
export const isForbidden = (err: unknown): boolean => codeOf(err) === 403;
export const isInvalid = (err: unknown): boolean =>
  codeOf(err) === 422 ||
  codeOf(err) === 400 ||
  // Server-side apply reports an object that does not fit the type's schema (a string field given a
  // number…) as a 500; it is the request that is wrong, and repeating it cannot help.
  (codeOf(err) === 500 && (err as ApiError).message.includes('failed to create typed patch object'));
/** No answer at all, or the server said it is overloaded or not ready: worth a retry later. */
export const isTransient = (err: unknown): boolean => {
  const code = codeOf(err);
  return code === undefined || code === 0 || code === 429 || code === 500 || code === 503 || code === 504;
};

/** A short description of any error, for status messages and logs (never includes credentials). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
