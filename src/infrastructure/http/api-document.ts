import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ENVELOPE_SCHEMAS } from './envelope.schema';

/** The three places a token may come from (SPEC §1–2): two are security schemes, the body member is a property. */
export const SECURITY = {
  bearer: 'bearer',
  query: 'token_query',
} as const;

/**
 * The OpenAPI document of the service, served at /docs and /docs-json: the routes' schemas as the
 * decorators and DTOs declare them, the envelope's own schemas, and the security each route takes. A
 * route behind the token guard accepts `Authorization: Bearer`, `?token=` or, on a POST, the body member
 * `token`: OpenAPI has no security scheme for a body member, so a POST lists the empty requirement too,
 * and its body schema declares `token`. `rules`: the request schemas generated from the DTOs (requestSchemas).
 */
export function createApiDocument(app: INestApplication, rules: Record<string, SchemaObject>): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conax provisioning')
      .setDescription(
        'CRM.COM-compatible Conax Web Services provisioning requests. Every response is the envelope ' +
          '{status: {code, message, description}, data}; the error codes and the request object are in docs/api.md.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token from authentication/token.' }, SECURITY.bearer)
      .addApiKey({ type: 'apiKey', in: 'query', name: 'token', description: 'The token from authentication/token as a query parameter (CRM.COM style for GET).' }, SECURITY.query)
      .build(),
  );
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  // A body DTO's schema: Nest's (descriptions, examples, defaults) with the class-validator rules laid over it.
  for (const [name, schema] of Object.entries(schemas)) if (rules[name]) schemas[name] = withRules(schema, rules[name]);
  document.components = { ...document.components, schemas: { ...schemas, ...ENVELOPE_SCHEMAS } };
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item) as Array<[string, OperationObject]>) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
        // A query DTO's members are parameters: each gets its member's rules.
        const rule = parameter.in === 'query' ? queryRuleOf(rules, parameter.name) : undefined;
        if (rule) parameter.schema = withDefaultInWords(withRules((parameter.schema ?? {}) as SchemaObject, rule));
      }
      if (!operation.security) continue; // the login route: no token
      operation.security = [{ [SECURITY.bearer]: [] }, { [SECURITY.query]: [] }, ...(method === 'post' ? [{}] : [])];
    }
  }
  return document;
}

/** `base` with the rules of `rule` over it, member by member; `required` is the rules'. */
function withRules(base: SchemaObject, rule: SchemaObject): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  const baseProperties = (base.properties ?? {}) as Record<string, SchemaObject>;
  const ruleProperties = (rule.properties ?? {}) as Record<string, SchemaObject>;
  for (const name of new Set([...Object.keys(baseProperties), ...Object.keys(ruleProperties)])) {
    properties[name] = withDefaultInWords({ ...baseProperties[name], ...ruleProperties[name] });
  }
  const merged: SchemaObject = { ...base, ...rule };
  if (Object.keys(properties).length) merged.properties = properties;
  if (!rule.required) delete merged.required;
  return merged;
}

/**
 * A request member's default said in its description, not as `default`: generators (openapi-typescript's
 * default) type a member with a default as always present, which a caller leaving it out would then have to
 * send. The service applies the default; the caller may leave the member out.
 */
function withDefaultInWords(schema: SchemaObject): SchemaObject {
  if (schema.default === undefined) return schema;
  const { default: value, ...rest } = schema;
  const said = `Default: ${JSON.stringify(value)}.`;
  return { ...rest, description: rest.description ? `${rest.description} ${said}` : said };
}

/** The rule of query member `name` from any query DTO (they agree where they share a member). */
function queryRuleOf(rules: Record<string, SchemaObject>, name: string): SchemaObject | undefined {
  for (const [dto, schema] of Object.entries(rules)) {
    if (!dto.endsWith('QueryDto')) continue;
    const property = (schema.properties as Record<string, SchemaObject> | undefined)?.[name];
    if (property) return property;
  }
  return undefined;
}
