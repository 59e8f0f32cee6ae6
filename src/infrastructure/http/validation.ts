import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { ApiError } from './api-error';
import { describeProblems } from './error-description';

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

const BOUNDED_SETS = Symbol('conax:bounded-sets');
/** The DTO classes with a bounded set, so that the OpenAPI document can find them by name (request-schemas.ts). */
const classesWithBoundedSets = new Set<Function>();

/**
 * Marks an array member whose length is capped by MAX_SET_SIZE. The cap is checked before any item is
 * validated, so a huge array costs one comparison, not one validation per item.
 */
export function BoundedSet(): PropertyDecorator {
  return (target, property) => {
    const existing: string[] = Reflect.getMetadata(BOUNDED_SETS, target.constructor) ?? [];
    Reflect.defineMetadata(BOUNDED_SETS, [...existing, String(property)], target.constructor);
    classesWithBoundedSets.add(target.constructor);
  };
}

/** The members of the DTO class named `name` marked BoundedSet. */
export function boundedSetsOf(name: string): readonly string[] {
  const dto = [...classesWithBoundedSets].find((candidate) => candidate.name === name);
  return dto ? (Reflect.getMetadata(BOUNDED_SETS, dto) ?? []) : [];
}

class BoundedValidationPipe extends ValidationPipe {
  constructor(private readonly maxSetSize: number) {
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
    const sets: string[] = metadata.metatype ? (Reflect.getMetadata(BOUNDED_SETS, metadata.metatype) ?? []) : [];
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
    return super.transform(value, metadata);
  }
}

export function validationPipe(maxSetSize: number): ValidationPipe {
  return new BoundedValidationPipe(maxSetSize);
}
