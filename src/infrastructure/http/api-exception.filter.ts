import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../application/ports/event-store.port';
import { CreateUnconfirmedError } from '../../application/request-types/create-request.handler';
import { DomainError } from '../../domain/provisioning-request';
import { isStorageUnavailable } from '../storage-errors';
import { ApiError, errorEnvelope } from './api-error';

/** A domain refusal as the API answers it (the routes and the Kafka commands alike). */
export function fromDomainError(error: DomainError): ApiError {
  const { description } = error;
  switch (error.kind) {
    case 'INVALID':
      return new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', description);
    case 'IDEMPOTENCY_CONFLICT':
      return new ApiError('CONFLICT', error.message, 'Idempotency-Key: already used with a different body');
    case 'NOT_FOUND':
      return new ApiError('NOT_FOUND', error.message, description);
    case 'WRONG_STATE':
      return new ApiError('CONFLICT', error.message, description);
  }
}

function fromHttp(error: HttpException): ApiError {
  const status = error.getStatus();
  if (status === 404) return new ApiError('NOT_FOUND', 'There is no such route.', null);
  if (status === 413) return new ApiError('PAYLOAD_TOO_LARGE', 'The body is too large.', null);
  if (status === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON.', null);
  if (status === 401 || status === 403) return new ApiError('UNAUTHORIZED', 'A valid token is required.', null);
  if (status >= 400 && status < 500) return new ApiError('INVALID_PARAMETER', 'The request is not valid.', error.message);
  if (status === 503) {
    // Terminus reports failing readiness checks in `error`: name them.
    const body = error.getResponse() as { error?: Record<string, { message?: string }> };
    const down = body && typeof body === 'object' && body.error ? Object.entries(body.error) : [];
    const description = down.map(([name, detail]) => `${name}: ${detail?.message ?? 'down'}`).join('; ') || null;
    return new ApiError('UNAVAILABLE', 'The service is unavailable; retry later.', description);
  }
  return new ApiError('INTERNAL_ERROR', 'The service failed to handle the request.', null);
}

/** Every error leaves as the envelope with a stable code; nothing internal (stack, SQL, paths) leaves. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toApiError(exception);
    if (error.httpStatus >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (response.sent) return;
    if (error.code === 'RATE_LIMITED') response.header('Retry-After', '60');
    response.status(error.httpStatus).send(errorEnvelope(error));
  }

  private toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof DomainError) return fromDomainError(exception);
    if (exception instanceof ThrottlerException) return new ApiError('RATE_LIMITED', 'Too many requests; slow down.', null);
    if (exception instanceof WrongExpectedRevisionError) {
      return new ApiError('UNAVAILABLE', 'The request is being changed by others right now; retry.', null);
    }
    if (exception instanceof EventStoreUnavailableError) {
      return new ApiError('UNAVAILABLE', 'The event store is unavailable; retry later.', null);
    }
    if (exception instanceof CreateUnconfirmedError && exception.stored) {
      return new ApiError(
        'UNAVAILABLE',
        'The request was stored, but its state cannot be read right now; retry later.',
        `provisioning_request ${exception.requestId} is stored: a retry with the same Idempotency-Key answers it without creating another, or show it by id`,
      );
    }
    if (exception instanceof CreateUnconfirmedError) {
      return new ApiError(
        'UNAVAILABLE',
        'The event store did not answer in time; the request may have been stored.',
        `provisioning_request ${exception.requestId} may exist: a retry with the same Idempotency-Key cannot create it twice; without one, show it by id before creating again`,
      );
    }
    if (exception instanceof HttpException) return fromHttp(exception);
    if (isStorageUnavailable(exception)) return new ApiError('UNAVAILABLE', 'A database is unavailable; retry later.', null);
    return new ApiError('INTERNAL_ERROR', 'The service failed to handle the request.', null);
  }
}
