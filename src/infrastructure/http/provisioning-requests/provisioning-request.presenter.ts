import { VIEW_FIELDS, ViewField } from '../../../application/read-model/provisioning-request-view';
import { ProvisioningRequestView } from '../../../application/ports/read-model.port';
import { ApiError } from '../api-error';
import { callerTextProblem } from '../caller-text';
import { ServiceTimeZone } from '../service-time-zone';
import { REQUEST_IDENTIFIER_PATTERN } from './provisioning-request.query.dto';

export type PresentedRequest = Partial<Record<ViewField, unknown>>;

/** `fields_set=a,b`: the named fields only, in the order asked; an unknown name is INVALID_PARAMETER. */
export function parseFieldsSet(raw: string | undefined): ViewField[] | null {
  if (raw === undefined) return null;
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'fields_set: names no field');
  const unknown = names.filter((name) => !(VIEW_FIELDS as readonly string[]).includes(name));
  if (unknown.length) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `fields_set: unknown field(s) ${unknown.join(', ')}`);
  }
  return [...new Set(names)] as ViewField[];
}

/** The response `data` of SPEC §3: dates in the service zone, internal bookkeeping left out. */
export function presentRequest(view: ProvisioningRequestView, zone: ServiceTimeZone, fields: ViewField[] | null): PresentedRequest {
  const full: Record<ViewField, unknown> = {
    id: view.id,
    number: view.number,
    type: view.type,
    sequence_number: view.sequence_number,
    scheduled_date: zone.format(view.scheduled_date),
    executed_date: zone.format(view.executed_date),
    priority: view.priority,
    process_immediately: view.process_immediately,
    life_cycle_state: view.life_cycle_state,
    request: view.request,
    response: view.response,
    reference_number: view.reference_number,
    error_code: view.error_code,
    error_description: view.error_description,
    process_name: view.process_name,
    process_id: view.process_id,
    subscription: view.subscription,
    log_information: {
      created_date: zone.format(view.log_information.created_date),
      created_by_user: view.log_information.created_by_user,
      updated_date: zone.format(view.log_information.updated_date),
      updated_by_user: view.log_information.updated_by_user,
    },
    // A start is an instant like the view's other dates: shown in the service zone.
    parameters_set: view.parameters_set.map((parameter) => ('start_date' in parameter ? { ...parameter, start_date: zone.format(parameter.start_date) } : parameter)),
    result: view.result ?? null,
  };
  if (fields === null) return full;
  return Object.fromEntries(fields.map((field) => [field, full[field]]));
}

/** `provisioning_request_identifier=number=4049` or `…=id=<32 hex>` (SPEC §4): exactly one key. */
export function parseRequestIdentifier(raw: string): { id: string } | { number: string } {
  const match = REQUEST_IDENTIFIER_PATTERN.test(raw) ? /^(id|number)=(.+)$/.exec(raw) : null;
  if (!match) {
    throw new ApiError(
      'INVALID_PARAMETER',
      'A parameter is not valid.',
      'provisioning_request_identifier: expected exactly one of id=<id> or number=<number>',
    );
  }
  const value = match[2];
  const problem = callerTextProblem(value);
  if (problem) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `provisioning_request_identifier: value ${problem}`);
  }
  return match[1] === 'id' ? { id: value } : { number: value };
}
