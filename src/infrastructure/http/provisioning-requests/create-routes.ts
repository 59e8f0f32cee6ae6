import { Type } from '@nestjs/common';
import { PairingInput } from '../../../application/request-types/create-pairing/create-pairing.definition';
import { InputOf } from '../../../application/request-types/request-types';
import { SubscriptionChangeInput } from '../../../application/request-types/subscription-change/subscription-change.definition';
import { Priority, RequestType, SubscriptionIdentifier } from '../../../domain/provisioning-request';
import { ApiError } from '../api-error';
import { ServiceTimeZone } from '../service-time-zone';
import { CreatePairingRequestDto, CreationRequestDto } from './create-pairing.request.dto';
import { SubscriptionChangeRequestDto } from './subscription-change.request.dto';
import {
  AddToExistingPairingRequestDto,
  BarkMessageRequestDto,
  CardRequestDto,
  FingerprintRequestDto,
  MailMessageRequestDto,
  PairingModuleRequestDto,
  PinRequestDto,
  RepeatingBarkMessageRequestDto,
} from './utility-requests.request.dto';
import { AddToExistingPairingInput, CardInput, PairingModuleInput, PinInput } from '../../../application/request-types/card-requests/card-requests.definition';
import { ClientMessageInput, FingerprintInput } from '../../../application/request-types/client-messages/client-messages.definition';
import { SmartcardReference } from '../../../application/request-types/shared-inputs';

/** What a route's body reader may use: SPEC §1's identifier rule, and days in the service time zone. */
export interface BodyReading {
  /** An identifier object with exactly one of `keys` set; none, both or a null key is INVALID_PARAMETER naming `field`. */
  exactlyOne<K extends string>(dto: object, field: string, keys: readonly K[]): { [P in K]: Record<P, string> }[K];
  /** A day as given, or the day of a date and time (or of today) in the service time zone. */
  startDay(text: string | undefined): string;
  /** A date and time read in the service time zone; null when none was given. Not a real one is INVALID_PARAMETER naming `field`. */
  instant(text: string | undefined, field: string): Date | null;
}

/**
 * An identifier object with exactly one of `keys` set (SPEC §1): none, both or a null key is INVALID_PARAMETER
 * naming the field.
 */
function exactlyOne<K extends string>(dto: object, field: string, keys: readonly K[]): { [P in K]: Record<P, string> }[K] {
  const given = keys.filter((key) => (dto as Record<string, unknown>)[key] !== undefined);
  if (given.some((key) => (dto as Record<string, unknown>)[key] === null)) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${field}: a key must not be null`);
  }
  if (given.length !== 1) {
    throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${field}: give exactly one of ${keys.join(', ')}`);
  }
  return { [given[0]]: (dto as Record<string, string>)[given[0]] } as { [P in K]: Record<P, string> }[K];
}

/** SPEC §1's reading of a body's identifiers and dates, in the service time zone. */
function bodyReadingIn(zone: ServiceTimeZone): BodyReading {
  const instant = (text: string | undefined, field: string): Date | null => {
    if (text === undefined) return null;
    const parsed = zone.parse(text);
    if (parsed === null) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${field}: not a real date and time`);
    return parsed;
  };
  return {
    exactlyOne,
    instant,
    // A day as given, or the day of a date and time (or of now) in the service time zone.
    startDay(text) {
      if (text !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
      const at = text === undefined ? new Date() : instant(text, 'start_date');
      return (zone.format((at as Date).toISOString()) as string).slice(0, 10);
    },
  };
}

/**
 * What a validated body of any create route says, besides who asks and the Idempotency-Key: the members every
 * route reads the same way, then the type's own input from its table entry. The HTTP routes and the Kafka
 * commands (SPEC §9) both read bodies here, so a body means the same whichever way it came.
 */
export function creationInputOf<T extends RequestType>(type: T, body: CreationRequestDto, zone: ServiceTimeZone) {
  const reading = bodyReadingIn(zone);
  // The entry of this very type: TypeScript cannot correlate a mapped type's entry with its key by itself.
  const route = CREATE_ROUTES[type] as CreateRoute<InputOf<T>, CreationRequestDto>;
  const identifier = (body as { subscription_identifier?: object }).subscription_identifier;
  const common = {
    subscription: (identifier === undefined ? null : exactlyOne(identifier, 'subscription_identifier', ['id', 'number'])) as SubscriptionIdentifier | null,
    processImmediately: body.process_immediately ?? false,
    scheduledDate: reading.instant(body.scheduled_date, 'scheduled_date'),
    priority: (body.priority ?? 'REGULAR') as Priority,
  };
  return Object.assign(common, route.input(body, reading));
}

/** A smartcard by `smartcard_ca_id` or by `smartcard_identifier`: exactly one of the two (SPEC §8). */
function smartcardOf(body: CardRequestDto, read: BodyReading): SmartcardReference {
  const given = read.exactlyOne(body, 'smartcard', ['smartcard_ca_id', 'smartcard_identifier']);
  if ('smartcard_ca_id' in given) return { caId: given.smartcard_ca_id };
  return { identifier: read.exactlyOne(body.smartcard_identifier as object, 'smartcard_identifier', ['id', 'serial_number', 'alternative_code']) };
}

const created = (type: RequestType) => `Envelope with the created ${type} request (PENDING, or final when process_immediately).`;

function cardRoute(type: RequestType): CreateRoute<CardInput, CardRequestDto> {
  return { body: CardRequestDto, answer: created(type), input: (body, read) => ({ smartcard: smartcardOf(body, read) }) };
}

function messageRoute<Body extends MailMessageRequestDto & { duration_seconds?: number; repetitions?: number; interval_seconds?: number }>(
  type: RequestType,
  body: Type<Body>,
): CreateRoute<ClientMessageInput, Body> {
  return {
    body,
    answer: created(type),
    input: (dto, read) => ({
      smartcardCaIds: dto.smartcard_set.map((s) => s.smartcard_ca_id),
      startDate: read.instant(dto.start_date, 'start_date'),
      text: dto.text,
      durationSeconds: dto.duration_seconds ?? null,
      repetitions: dto.repetitions ?? null,
      intervalSeconds: dto.interval_seconds ?? null,
    }),
  };
}

/** The HTTP adapter's part of a request type: its body (validated by class-validator) and how it becomes the type's input. */
export interface CreateRoute<Input, Body extends CreationRequestDto> {
  body: Type<Body>;
  /** The OpenAPI description of the 200 answer. */
  answer: string;
  input(body: Body, read: BodyReading): Input;
}

function subscriptionChange(type: 'ADD_SUBSCRIPTIONS' | 'CANCEL_SUBSCRIPTIONS'): CreateRoute<SubscriptionChangeInput, SubscriptionChangeRequestDto> {
  return {
    body: SubscriptionChangeRequestDto,
    answer: `Envelope with the created ${type} request (PENDING, or final when process_immediately).`,
    input: (body, read) => ({
      subscription: read.exactlyOne(body.subscription_identifier, 'subscription_identifier', ['id', 'number']),
      service: read.exactlyOne(body.service_identifier, 'service_identifier', ['id', 'code', 'alternative_code']),
      smartcard: read.exactlyOne(body.smartcard_identifier, 'smartcard_identifier', ['id', 'serial_number', 'alternative_code']),
      startDate: read.startDay(body.start_date),
    }),
  };
}

/** One line per request type: a type missing here does not compile, and its route is generated from here. */
export const CREATE_ROUTES: { [T in RequestType]: CreateRoute<InputOf<T>, CreationRequestDto> } = {
  CREATE_PAIRING: {
    body: CreatePairingRequestDto,
    answer: 'Envelope with the created provisioning request (life_cycle_state PENDING, or final when process_immediately).',
    input: (body: CreatePairingRequestDto) => ({
      smartcardCaIds: body.smartcard_set.map((s) => s.smartcard_ca_id),
      stbCaIds: body.stb_set.map((s) => s.stb_ca_id),
    }),
  } satisfies CreateRoute<PairingInput, CreatePairingRequestDto>,
  ADD_SUBSCRIPTIONS: subscriptionChange('ADD_SUBSCRIPTIONS'),
  CANCEL_SUBSCRIPTIONS: subscriptionChange('CANCEL_SUBSCRIPTIONS'),
  ADD_TO_EXISTING_PAIRING: {
    body: AddToExistingPairingRequestDto,
    answer: created('ADD_TO_EXISTING_PAIRING'),
    input: (body: AddToExistingPairingRequestDto, read: BodyReading) => ({ smartcard: smartcardOf(body, read), stbCaIds: body.stb_set.map((s) => s.stb_ca_id) }),
  } satisfies CreateRoute<AddToExistingPairingInput, AddToExistingPairingRequestDto>,
  GET_PAIRING_STATUS_FOR_CARD: cardRoute('GET_PAIRING_STATUS_FOR_CARD'),
  GET_PAIRING_STATUS_FOR_PAIRING_MODULE: {
    body: PairingModuleRequestDto,
    answer: created('GET_PAIRING_STATUS_FOR_PAIRING_MODULE'),
    input: (body: PairingModuleRequestDto) => ({ stbCaId: body.stb_ca_id }),
  } satisfies CreateRoute<PairingModuleInput, PairingModuleRequestDto>,
  GET_ACTIVE_SUBSCRIPTIONS: cardRoute('GET_ACTIVE_SUBSCRIPTIONS'),
  DISPLAY_FINGERPRINT: {
    body: FingerprintRequestDto,
    answer: created('DISPLAY_FINGERPRINT'),
    input: (body: FingerprintRequestDto, read: BodyReading) => ({
      smartcardCaIds: body.smartcard_set.map((s) => s.smartcard_ca_id),
      startDate: read.instant(body.start_date, 'start_date'),
      durationSeconds: body.duration_seconds ?? null,
    }),
  } satisfies CreateRoute<FingerprintInput, FingerprintRequestDto>,
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: cardRoute('UPDATE_CA_PIN_TO_DEFAULT_VALUE'),
  UPDATE_CA_PIN_TO_GIVEN_VALUE: {
    body: PinRequestDto,
    answer: created('UPDATE_CA_PIN_TO_GIVEN_VALUE'),
    input: (body: PinRequestDto, read: BodyReading) => ({ smartcard: smartcardOf(body, read), pin: body.pin }),
  } satisfies CreateRoute<PinInput, PinRequestDto>,
  SEND_MAIL_MESSAGE_TO_CLIENT: messageRoute('SEND_MAIL_MESSAGE_TO_CLIENT', MailMessageRequestDto),
  SEND_BARK_MESSAGE_TO_CLIENT: messageRoute('SEND_BARK_MESSAGE_TO_CLIENT', BarkMessageRequestDto),
  SEND_REPEATING_BARK_MESSAGE_TO_CLIENT: messageRoute('SEND_REPEATING_BARK_MESSAGE_TO_CLIENT', RepeatingBarkMessageRequestDto),
};
