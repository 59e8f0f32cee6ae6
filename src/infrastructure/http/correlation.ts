import { randomUUID } from 'node:crypto';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';

const HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Correlation-Id when it is sane, otherwise a new one; carried into event metadata. */
export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().headers[HEADER];
  return typeof value === 'string' && ACCEPTABLE.test(value) ? value : randomUUID();
});
