import { ArgumentMetadata } from '@nestjs/common';
import { parse as parseCsv } from 'csv-parse/sync';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { BatchItemInputs } from '../../../application/batches/batch-item-inputs';
import { StagedItem } from '../../../application/ports/batch-store.port';
import { MAX_BATCH_ITEMS } from '../../../application/batches/batch-submissions';
import { DomainError, RequestType } from '../../../domain/provisioning-request';
import { ApiError } from '../api-error';
import { fromDomainError } from '../api-exception.filter';
import { RequestValidation } from '../request-validation';
import { ServiceTimeZone } from '../service-time-zone';
import { CREATE_ROUTES, creationInputOf } from '../provisioning-requests/create-routes';
import { CreationRequestDto } from '../provisioning-requests/create-pairing.request.dto';

/** In a CSV cell of a set of objects (`smartcard_set.smartcard_ca_id`), the items' values are separated by this. */
export const CSV_SET_SEPARATOR = ';';

/** An item of an upload before validation: where it was, and what it says. */
interface RawItem {
  line: number;
  value: unknown;
}

/**
 * A batch upload's items read as their type's create route reads a body (SPEC §10): the same DTO, the same
 * validation pipe (with the compiled schemas as its fast path), the same table entry. An item the route would
 * refuse is refused with the route's own error description, and staged with it.
 */
export class BatchBodies implements BatchItemInputs {
  constructor(
    private readonly validation: RequestValidation,
    private readonly zone: ServiceTimeZone,
  ) {}

  /** A JSON array's items (line = position, from 1) or a CSV's rows (line = the row's line; the header is line 1). */
  async read(type: RequestType, upload: unknown): Promise<StagedItem[]> {
    const raw = typeof upload === 'string' ? this.csvItems(type, upload) : Array.isArray(upload) ? upload.map((value, index) => ({ line: index + 1, value })) : null;
    if (raw === null) throw new ApiError('INVALID_PARAMETER', 'The body must be a JSON array or a CSV file.', 'body: expected a JSON array of items or text/csv');
    if (raw.length === 0) throw new ApiError('MISSING_PARAMETER', 'A required parameter is missing.', 'body: at least one item');
    if (raw.length > MAX_BATCH_ITEMS) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `body: at most ${MAX_BATCH_ITEMS} items`);
    const metadata: ArgumentMetadata = { type: 'body', metatype: CREATE_ROUTES[type].body, data: undefined };
    const items: StagedItem[] = [];
    for (const { line, value } of raw) {
      try {
        if (value !== null && typeof value === 'object' && 'token' in value) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'token: an item carries no token');
        const body = (await this.validation.pipe.transform(value, metadata)) as CreationRequestDto;
        creationInputOf(type, body, this.zone); // what the route would refuse past its DTO (identifiers, dates)
        items.push({ line, body: JSON.stringify(body), error: null });
      } catch (error) {
        const refusal = error instanceof ApiError ? error : error instanceof DomainError ? fromDomainError(error) : null;
        if (!refusal) throw error;
        items.push({ line, body: null, error: refusal.description ?? refusal.message });
      }
    }
    return items;
  }

  inputOf<T extends RequestType>(type: T, body: unknown) {
    try {
      return creationInputOf(type, body as CreationRequestDto, this.zone);
    } catch (error) {
      if (error instanceof ApiError) throw new DomainError('INVALID', error.description ?? error.message);
      throw error;
    }
  }

  /**
   * A CSV's rows as bodies: the header names each column's member (`priority`, `subscription_identifier.number`);
   * a set of objects takes its items' values from one cell (`smartcard_set.smartcard_ca_id` =
   * `4500001;4500002`); a number or true/false member is read as one where the cell reads as one (otherwise
   * the text goes on, and validation says what is wrong); an empty cell leaves the member out.
   */
  private csvItems(type: RequestType, text: string): RawItem[] {
    let rows: Array<{ record: string[]; info: { lines: number } }>;
    try {
      rows = parseCsv(text, { info: true, skip_empty_lines: true, relax_column_count: false, bom: true, trim: true }) as unknown as typeof rows;
    } catch (error) {
      const where = /line (\d+)/i.exec((error as Error).message)?.[1];
      throw new ApiError('INVALID_PARAMETER', 'The body is not valid CSV.', `body: not valid CSV${where ? ` at line ${where}` : ''}`);
    }
    if (rows.length === 0) throw new ApiError('MISSING_PARAMETER', 'A required parameter is missing.', 'body: a header row naming the members');
    const [header, ...records] = rows;
    const { schemas } = this.validation;
    const schema = schemas[CREATE_ROUTES[type].body.name];
    const columns = header.record.map((name) => this.column(schema, schemas, name));
    return records.map(({ record, info }) => {
      const value: Record<string, unknown> = {};
      record.forEach((cell, index) => {
        if (cell !== '') columns[index].set(value, cell);
      });
      return { line: info.lines, value };
    });
  }

  /** How one header cell writes its cells into a body. */
  private column(schema: SchemaObject, schemas: Record<string, SchemaObject>, name: string): { set(body: Record<string, unknown>, cell: string): void } {
    const path = name.split('.');
    if (path.some((part) => !/^[a-z_]+$/.test(part)) || path.length > 2) {
      throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `header: "${name.slice(0, 64)}" is not a member name`);
    }
    const [member, inner] = path;
    const property = resolve(schema.properties?.[member] as SchemaObject | undefined, schemas);
    const itemSchema = property?.type === 'array' ? resolve(property.items as SchemaObject | undefined, schemas) : undefined;
    if (inner === undefined) return { set: (body, cell) => (body[member] = typed(property, cell)) };
    if (itemSchema) {
      const leaf = resolve(itemSchema.properties?.[inner] as SchemaObject | undefined, schemas);
      return {
        set: (body, cell) => {
          const values = cell.split(CSV_SET_SEPARATOR).map((part) => part.trim());
          const set = (body[member] ??= values.map(() => ({}))) as Array<Record<string, unknown>>;
          values.forEach((part, index) => {
            set[index] ??= {};
            set[index][inner] = typed(leaf, part);
          });
        },
      };
    }
    const leaf = resolve(property?.properties?.[inner] as SchemaObject | undefined, schemas);
    return {
      set: (body, cell) => {
        const object = (body[member] ??= {}) as Record<string, unknown>;
        object[inner] = typed(leaf, cell);
      },
    };
  }
}

function resolve(schema: SchemaObject | undefined, schemas: Record<string, SchemaObject>): SchemaObject | undefined {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  return ref ? schemas[ref.slice(ref.lastIndexOf('/') + 1)] : schema;
}

/** A cell as the member's type, where it reads as one. */
function typed(schema: SchemaObject | undefined, cell: string): unknown {
  if ((schema?.type === 'integer' || schema?.type === 'number') && /^-?\d+(\.\d+)?$/.test(cell)) return Number(cell);
  if (schema?.type === 'boolean' && (cell === 'true' || cell === 'false')) return cell === 'true';
  return cell;
}
