import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, errorEnvelope } from './api-error';

function send(response: Response, error: ApiError): void {
  response.status(error.httpStatus).json(errorEnvelope(error));
}

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** `__proto__` survives JSON.parse as an own key that class-transformer silently drops: refuse it outright. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('unknown member "__proto__"');
  return value;
}

/**
 * Body handling before Nest sees the request, so that every failure of it still answers in the envelope:
 * a body that is not JSON is 415, a body over the cap 413, malformed JSON 400, a JSON value that is not an
 * object 400.
 */
export function jsonBodyOnly(limitBytes: number) {
  const parse = json({ limit: limitBytes, strict: true, type: () => true, reviver: refusePrototypeKeys });
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!hasBody(request)) {
      request.body = {};
      return next();
    }
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      return send(response, new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON.', `Content-Type: ${type || 'missing'}; expected application/json`));
    }
    parse(request, response, (error?: { type?: string; status?: number; message?: string }) => {
      if (error) {
        switch (error.type) {
          case 'entity.too.large':
            return send(response, new ApiError('PAYLOAD_TOO_LARGE', 'The body is too large.', `body: at most ${limitBytes} bytes`));
          case 'encoding.unsupported':
          case 'charset.unsupported':
            return send(response, new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported.', error.message ?? null));
          case 'entity.parse.failed':
            return send(response, new ApiError('INVALID_PARAMETER', 'The body is not valid JSON.', error.message ?? null));
          default:
            return send(response, new ApiError('INVALID_PARAMETER', 'The body could not be read.', error.message ?? null));
        }
      }
      if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
        return send(response, new ApiError('INVALID_PARAMETER', 'The body must be a JSON object.', 'body: expected an object'));
      }
      next();
    });
  };
}
