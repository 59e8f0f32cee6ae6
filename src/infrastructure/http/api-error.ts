import { capDescription } from './error-description';

/** The stable error codes of SPEC §1 with their HTTP statuses. */
export const ERROR_STATUS = {
  MISSING_PARAMETER: 400,
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error meant for the caller: becomes the envelope with `status.code = code` and its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly description: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get httpStatus(): number {
    return ERROR_STATUS[this.code];
  }
}

export interface Envelope<T> {
  status: { code: 'OK' | ErrorCode; message: string | null; description: string | null };
  data: T | null;
}

export function ok<T>(data: T): Envelope<T> {
  return { status: { code: 'OK', message: null, description: null }, data };
}

export function errorEnvelope(error: ApiError): Envelope<never> {
  return { status: { code: error.code, message: error.message, description: capDescription(error.description) }, data: null };
}
