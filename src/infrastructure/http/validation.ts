import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';

interface Problem {
  path: string;
  missing: boolean;
  unknown: boolean;
  reasons: string[];
}

function collect(errors: ValidationError[], parent: string, into: Problem[]): Problem[] {
  for (const error of errors) {
    const path = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    if (error.constraints) {
      const keys = Object.keys(error.constraints);
      into.push({
        path,
        missing: keys.includes('isDefined') && error.value === undefined,
        unknown: keys.includes('whitelistValidation'),
        reasons: Object.values(error.constraints),
      });
    }
    if (error.children?.length) collect(error.children, path, into);
  }
  return into;
}

/** class-validator failures as SPEC errors: MISSING_PARAMETER when a required member is absent, else INVALID_PARAMETER. */
export function toApiError(errors: ValidationError[]): ApiError {
  const problems = collect(errors, '', []);
  const missing = problems.filter((p) => p.missing);
  if (missing.length) {
    return new ApiError(
      'MISSING_PARAMETER',
      'A required parameter is missing.',
      missing.map((p) => `${p.path}: required`).join('; '),
    );
  }
  const description = problems
    .map((p) => (p.unknown ? `${p.path}: unknown member` : `${p.path}: ${p.reasons.join(', ')}`))
    .join('; ');
  return new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', description || null);
}

export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: true },
    exceptionFactory: toApiError,
  });
}
