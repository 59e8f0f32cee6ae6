import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Document = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

/** `~` and `/` escaped for a JSON pointer. */
const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks answers against the service's own OpenAPI document (`/docs-json`): the route is documented, the
 * status is declared for it, and the body matches that status's schema (Ajv, OpenAPI 3.0's `nullable`
 * included). A route outside the document (health, metrics, the console, an unknown route's 404) is not
 * checked here.
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly violations: string[] = [];

  constructor(private readonly document: Document) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, 'openapi');
  }

  /** Problems with one answer (empty when it conforms). */
  problems(method: string, url: string, status: number, body: unknown): string[] {
    const path = new URL(url, 'http://service').pathname;
    const operations = this.document.paths[path];
    if (!operations) return [];
    const operation = operations[method.toLowerCase()];
    if (!operation) return [`${method} ${path}: not in the document`];
    const response = operation.responses?.[String(status)];
    if (!response) return [`${method} ${path}: status ${status} is not declared (body ${JSON.stringify(body).slice(0, 300)})`];
    if (!response.content?.['application/json']) return [`${method} ${path}: status ${status} declares no JSON body`];
    const ref = `openapi#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    const validate = this.validator(ref);
    if (validate(body)) return [];
    const errors = [...new Set((validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`))].slice(0, 5).join('; ');
    return [`${method} ${path} ${status}: ${errors} (body ${JSON.stringify(body).slice(0, 300)})`];
  }

  /** Whether the document's request body schema for `method path` accepts `body`. */
  acceptsBody(method: string, path: string, body: unknown): boolean {
    return this.validator(`openapi#/paths/${pointer(path)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`)(body) as boolean;
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  /** Records the problems of one answer, to be reported at the end. */
  record(method: string, url: string, status: number, body: unknown): void {
    for (const problem of this.problems(method, url, status, body)) if (!this.violations.includes(problem)) this.violations.push(problem);
  }
}
