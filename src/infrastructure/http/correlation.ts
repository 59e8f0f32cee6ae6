import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';

const HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One correlation id per HTTP request: the caller's X-Correlation-Id when it is sane, otherwise a new one.
 * pino-http calls this once (it becomes `req.id` and every log line's `reqId`), the response echoes it, and
 * commands carry it into event metadata and from there into Kafka headers.
 */
export function assignCorrelationId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers[HEADER];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  if (!response.headersSent) response.setHeader('X-Correlation-Id', id);
  return id;
}

export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const http = context.switchToHttp();
  const request = http.getRequest<IncomingMessage & { id?: unknown }>();
  return typeof request.id === 'string' ? request.id : assignCorrelationId(request, http.getResponse<ServerResponse>());
});
