import { Server } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ApiError, errorEnvelope } from './api-error';

/**
 * Closes the HTTP edge at the start of a shutdown. Closing the listening socket alone leaves keep-alive
 * connections open, and their clients' next requests would still be served (and acknowledged) while the
 * pipeline behind them stops. From `close()` on, every new request is answered 503 UNAVAILABLE with
 * `Connection: close`, idle connections are closed, and requests already in flight finish.
 */
@Injectable()
export class HttpGate {
  private closed = false;

  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (!this.closed) return done();
      const refusal = new ApiError('UNAVAILABLE', 'The service is shutting down; retry on another instance or later.', null);
      void reply.code(503).header('Connection', 'close').send(errorEnvelope(refusal));
    });
  }

  close(server: Server | undefined): void {
    this.closed = true;
    if (!server?.listening) return;
    server.close();
    server.closeIdleConnections();
  }
}
