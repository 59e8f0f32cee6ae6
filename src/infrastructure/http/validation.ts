import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { ApiError } from './api-error';
import { describeProblems } from './error-description';
import type { CompiledBodies } from './compiled-bodies';
import { boundedSetsOfClass } from './bounded-sets';

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
        // class-validator's messages start with the member's name; the path already says it.
        reasons: Object.values(error.constraints).map((reason) => (reason.startsWith(`${error.property} `) ? reason.slice(error.property.length + 1) : reason)),
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
    return new ApiError('MISSING_PARAMETER', 'A required parameter is missing.', describeProblems(missing.map((p) => `${p.path}: required`)));
  }
  const described = problems.map((p) => (p.unknown ? `${p.path}: unknown member` : `${p.path}: ${p.reasons.join(', ')}`));
  return new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', describeProblems(described));
}

/**
 * A member the caller may leave out, but not send as null: class-validator's IsOptional also lets null
 * through, past every rule, which the document (a typed member, not nullable) refuses and which reached the
 * handlers as a value no rule had checked (`subscription_identifier: null` was a 500). The DTOs use this.
 */
export function MayBeOmitted(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

class BoundedValidationPipe extends ValidationPipe {
  constructor(
    private readonly maxSetSize: number,
    private readonly compiled: CompiledBodies | null,
  ) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: true },
      exceptionFactory: toApiError,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const sets = metadata.metatype ? boundedSetsOfClass(metadata.metatype) : [];
    if (sets.length && value !== null && typeof value === 'object') {
      const oversized = sets.filter((name) => {
        const member = (value as Record<string, unknown>)[name];
        return Array.isArray(member) && member.length > this.maxSetSize;
      });
      if (oversized.length) {
        throw new ApiError(
          'INVALID_PARAMETER',
          'A parameter is not valid.',
          describeProblems(oversized.map((name) => `${name}: must hold at most ${this.maxSetSize} items`)),
        );
      }
    }
    // The fast path (compiled-bodies.ts): a body its compiled schema accepts, class-validator accepts too.
    if (metadata.type === 'body' && metadata.metatype && this.compiled?.accepts(metadata.metatype, value)) return value;
    return super.transform(value, metadata);
  }
}

/**
 * The one validation pipe: class-validator, with `compiled` as its fast path for the hot routes' bodies
 * (null: class-validator alone, the reference the property test compares the compiled path with).
 */
export function validationPipe(maxSetSize: number, compiled: CompiledBodies | null): ValidationPipe {
  return new BoundedValidationPipe(maxSetSize, compiled);
}
