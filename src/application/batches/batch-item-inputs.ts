import { RequestType } from '../../domain/provisioning-request';
import { CreationInput } from '../request-types/request-type-definition';
import { InputOf } from '../request-types/request-types';

/**
 * How a staged batch item's body becomes its type's creation input: exactly as the type's create route reads
 * a body (the HTTP adapter's table), so an item means what the same body would mean on the route.
 */
export interface BatchItemInputs {
  /** Throws a DomainError when the body reads as no request (a date that is no date, two identifiers). */
  inputOf<T extends RequestType>(type: T, body: unknown): InputOf<T> & Omit<CreationInput, 'idempotencyKey' | 'organisation' | 'batchItem'>;
}

export const BATCH_ITEM_INPUTS = Symbol('BatchItemInputs');
