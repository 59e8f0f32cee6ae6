import Ajv, { ValidateFunction } from 'ajv';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * The request bodies' schemas, compiled (Ajv), as the fast path of the validation pipe. The rules are still
 * written once, as the DTOs' class-validator decorators: the schemas are generated from them (request-schemas.ts,
 * the same ones the OpenAPI document publishes). A body the compiled schema accepts is handed to the route as
 * parsed; any other body goes through class-validator as before, so a refusal is always class-validator's, with
 * its code and its wording. That makes one property the whole contract: the compiled schema never accepts a
 * body class-validator refuses (test/int/compiled-bodies.int.spec.ts checks it, and that both accept the same
 * valid bodies, on generated input).
 */
export class CompiledBodies {
  private readonly ajv = new Ajv({
    // Nothing may change the body on its way: no coercion, no defaults, no removal of unknown members.
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    // One refusal is enough: the refusal itself is class-validator's to word.
    allErrors: false,
  });
  private readonly checks = new Map<Function, ValidateFunction>();

  /**
   * `schemas`: the request schemas (requestSchemas, generated once for the document too); `dtos`: the body
   * classes of the hot routes (the create routes). Every other body goes through class-validator alone.
   */
  constructor(schemas: Record<string, SchemaObject>, dtos: readonly Function[]) {
    // The schemas refer to each other as the OpenAPI document does (#/components/schemas/…).
    this.ajv.addVocabulary(['components']);
    this.ajv.addSchema({ $id: 'requests', components: { schemas } });
    for (const dto of dtos) {
      const check = schemas[dto.name] ? this.ajv.getSchema(`requests#/components/schemas/${dto.name}`) : undefined;
      if (!check) throw new Error(`No request schema was generated for ${dto.name}.`);
      this.checks.set(dto, check);
    }
  }

  /** Whether the compiled schema of `dto` accepts `body`; false when `dto` is not one of the compiled classes. */
  accepts(dto: Function, body: unknown): boolean {
    const check = this.checks.get(dto);
    return check !== undefined && check(body) === true;
  }
}
