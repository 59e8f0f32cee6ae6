import { ValidationPipe } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { CompiledBodies } from './compiled-bodies';
import { CREATE_ROUTES } from './provisioning-requests/create-routes';
import { requestSchemas } from './request-schemas';
import { validationPipe } from './validation';

/**
 * The request schemas, generated once from the DTOs, and the one validation pipe with the create bodies'
 * schemas compiled as its fast path. The global pipe, the OpenAPI document and the batch upload's items all use
 * this one instance (generating and compiling them is a measurable share of a start).
 */
export class RequestValidation {
  readonly schemas: Record<string, SchemaObject>;
  readonly pipe: ValidationPipe;

  constructor(maxSetSize: number) {
    this.schemas = requestSchemas(maxSetSize);
    this.pipe = validationPipe(maxSetSize, new CompiledBodies(this.schemas, Object.values(CREATE_ROUTES).map((route) => route.body)));
  }
}
