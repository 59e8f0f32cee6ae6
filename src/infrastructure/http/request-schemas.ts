import { ValidationTypes } from 'class-validator';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_CA_ID_LENGTH } from '../../domain/provisioning-request/ca-id';
import { boundedSetsOf } from './bounded-sets';

/** Caller text (caller-text.ts): no control, format, surrogate or noncharacter code points (a `u` pattern). */
const CALLER_TEXT_PATTERN = '^[^\\p{Cc}\\p{Cf}\\p{Cs}\\p{Noncharacter_Code_Point}]*$';

/** The JSON Schema of this service's own class-validator decorators (the library knows the standard ones). */
const CUSTOM_RULES: Record<string, (constraints: unknown[]) => SchemaObject> = {
  isCallerText: ([max]) => ({ type: 'string', minLength: 1, maxLength: Number(max), pattern: CALLER_TEXT_PATTERN }),
  isCaId: () => ({ type: 'string', minLength: 1, maxLength: MAX_CA_ID_LENGTH, pattern: '^[!-~]+$' }),
};

/**
 * The request schemas, generated from the class-validator DTOs (class-validator-jsonschema): the rules are
 * written once, as decorators, and the document says what they enforce. Every DTO is closed (the validation
 * pipe refuses unknown members), and a set capped by MAX_SET_SIZE gets its bounds from the configuration.
 */
export function requestSchemas(maxSetSize: number): Record<string, SchemaObject> {
  const schemas = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: {
      [ValidationTypes.CUSTOM_VALIDATION]: (meta) => {
        const rule = CUSTOM_RULES[(meta as { name?: string }).name ?? ''] ?? CUSTOM_RULES[meta.constraintCls?.name ?? ''];
        return (rule ? rule(meta.constraints ?? []) : {}) as Record<string, unknown>;
      },
    },
  }) as Record<string, SchemaObject>;
  for (const [name, schema] of Object.entries(schemas)) {
    schema.additionalProperties = false;
    for (const property of Object.values(schema.properties ?? {}) as SchemaObject[]) {
      // IsDefined's `not: {type: null}` says nothing a member's own type does not already say.
      if (property.type && (property.not as SchemaObject | undefined)?.type === 'null') delete property.not;
    }
    for (const member of boundedSetsOf(name)) {
      const property = schema.properties?.[member] as SchemaObject | undefined;
      if (property) Object.assign(property, { minItems: 1, maxItems: maxSetSize, uniqueItems: true });
    }
  }
  return schemas;
}
