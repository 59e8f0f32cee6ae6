import { ValidateBy, ValidationOptions } from 'class-validator';
import { caIdProblem } from '../../domain/provisioning-request/ca-id';

/**
 * SPEC §1: every string a caller sends other than a CA ID (identifier values, Idempotency-Key, filters) is
 * 1–64 characters (255 for the key) without control (Cc), format (Cf: zero-width, bidi overrides),
 * surrogate (a lone half of a pair) or noncharacter code points. Such characters never reach a store:
 * PostgreSQL refuses NUL and lone surrogates, and in logs and UIs they hide or reorder text.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Noncharacter_Code_Point}]/u;

export const MAX_TEXT_LENGTH = 64;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Why `value` is not acceptable caller text, or null when it is. Length counts code points. */
export function callerTextProblem(value: string, max = MAX_TEXT_LENGTH): string | null {
  const length = [...value].length;
  if (length === 0) return 'must not be empty';
  if (length > max) return `must be at most ${max} characters`;
  if (FORBIDDEN.test(value)) return 'must not contain control, format, surrogate or noncharacter code points';
  return null;
}

/** class-validator form of callerTextProblem, for DTO members (`max` is its constraint: the OpenAPI document reads it). */
export function IsCallerText(max = MAX_TEXT_LENGTH, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCallerText',
      constraints: [max],
      validator: {
        validate: (value) => typeof value === 'string' && callerTextProblem(value, max) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? `${args.property} ${callerTextProblem(args.value, max)}`
            : `${args?.property} must be a string`,
      },
    },
    options,
  );
}

/** class-validator form of the domain's CA ID rule (caIdProblem), so the edge refuses what the domain would, naming the member. */
export function IsCaId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCaId',
      validator: {
        validate: (value) => typeof value === 'string' && caIdProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${typeof args?.value === 'string' ? caIdProblem(args.value) : 'must be a string'}`,
      },
    },
    options,
  );
}
