import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, errorEnvelope } from './api-error';

/**
 * Requests Node's HTTP parser refuses before any route sees them, answered in the envelope too (Fastify's
 * own answer is `{"error", "message", "statusCode"}`): headers or URL larger than the server takes (431),
 * a request not received in time (408), and anything that is not valid HTTP/1.1, such as both
 * Content-Length and Transfer-Encoding (400). Their `status.code` is INVALID_PARAMETER; the HTTP status
 * says which (docs/api.md). The connection is closed after the answer, as the parser cannot go on.
 */
export const PARSER_REFUSALS: Record<number, { message: string; description: string }> = {
  400: { message: 'The request is not valid HTTP.', description: 'request: not valid HTTP/1.1 (for example both Content-Length and Transfer-Encoding)' },
  408: { message: 'The request did not arrive in time.', description: 'request: not received within the server\'s request timeout' },
  431: { message: 'The request headers are too large.', description: 'headers: the request line and headers are larger than the server accepts' },
};

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const { message, description } = PARSER_REFUSALS[status];
  const body = JSON.stringify(errorEnvelope(new ApiError('INVALID_PARAMETER', message, description)));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
