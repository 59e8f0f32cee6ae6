import type { LoggerService } from '@nestjs/common';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import pino, { DestinationStream, Logger } from 'pino';

/** Tokens travel in query strings (CRM.COM style): they never reach a log line. */
export function withoutTokens(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1[Redacted]');
}

/**
 * The one pino logger of a process: Fastify logs each request through a child of it (bound to the request's
 * correlation id as `reqId`), and Nest's Logger writes to it through `NestLoggerOverPino`. Request lines name
 * the method, the URL (tokens redacted), host and client address, never headers, so an Authorization header
 * or cookie cannot be logged by them.
 *
 * Fastify's own request logger replaced nestjs-pino: that one keeps the request's logger in an
 * AsyncLocalStorage, which on Node 20 turns on async hooks for every promise of the process; without that
 * tax create_pairing ran 28 % faster (BENCHMARKS.md, fifth session).
 */
export function serviceLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: withoutTokens(request.url),
          host: request.host,
          remoteAddress: request.ip,
        }),
        res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
      },
    },
    destination,
  );
}

/**
 * One line per request, when it is answered, with the request, its status and duration (Fastify's default
 * writes a second line as each request arrives).
 */
export class RequestLogLines extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

const LEVEL_OF = { log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal' } as const;

/**
 * Nest's Logger on the service's pino logger: `new Logger('Context').warn(message)` becomes a JSON line with
 * `context` and `msg`; `error(message, stack, context)` keeps the stack.
 */
export class NestLoggerOverPino implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest appends the Logger's context as the last argument; an error's stack comes before it. */
  private write(method: keyof typeof LEVEL_OF, message: unknown, rest: unknown[]): void {
    const level = LEVEL_OF[method];
    if (!this.logger.isLevelEnabled(level)) return;
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const details: Record<string, unknown> = { context };
    if (method === 'error' && rest.length > 1 && typeof rest[0] === 'string') details.stack = rest[0];
    if (message instanceof Error) this.logger[level]({ ...details, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...details, ...message });
    else this.logger[level](details, String(message));
  }
}
