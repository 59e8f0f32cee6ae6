import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One correlation id per HTTP request: the caller's X-Correlation-Id when it is sane, otherwise a new one.
 * Fastify calls this once as its request-id generator, so it becomes `request.id` and the `reqId` of the
 * request's log line; the response echoes it, and commands carry it into event metadata and from there into
 * Kafka headers.
 */
export function correlationIdOf(request: IncomingMessage): string {
  const given = request.headers[HEADER];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}

/** Echoes the correlation id on every response, errors included. */
export function registerCorrelationHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Correlation-Id', request.id);
  });
}

export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<FastifyRequest>().id);
