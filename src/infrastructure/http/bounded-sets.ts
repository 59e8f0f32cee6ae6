import { getMetadataStorage } from 'class-validator';

/** Array members capped by MAX_SET_SIZE, kept as class metadata for the validation pipe and the request schemas. */
const BOUNDED_SETS = Symbol('conax:bounded-sets');

/**
 * Marks an array member whose length is capped by MAX_SET_SIZE. The cap is checked before any item is
 * validated, so a huge array costs one comparison, not one validation per item.
 */
export function BoundedSet(): PropertyDecorator {
  return (target, property) => {
    const existing: string[] = Reflect.getMetadata(BOUNDED_SETS, target.constructor) ?? [];
    Reflect.defineMetadata(BOUNDED_SETS, [...existing, String(property)], target.constructor);
  };
}

/**
 * The members of the DTO class named `name` marked BoundedSet, its own and those it inherits. The class is
 * found among the ones class-validator holds rules for, as class-validator-jsonschema finds them (its schemas
 * are keyed by class name): a subclass that only inherits its set is there, not among the classes that mark one.
 */
export function boundedSetsOf(name: string): readonly string[] {
  const validated = (getMetadataStorage() as unknown as { validationMetadatas: Map<Function, unknown> }).validationMetadatas;
  const dto = [...validated.keys()].find((candidate) => typeof candidate === 'function' && candidate.name === name);
  return dto ? boundedSetsOfClass(dto) : [];
}

/** The members of `dto` marked BoundedSet. */
export function boundedSetsOfClass(dto: Function): readonly string[] {
  return Reflect.getMetadata(BOUNDED_SETS, dto) ?? [];
}
