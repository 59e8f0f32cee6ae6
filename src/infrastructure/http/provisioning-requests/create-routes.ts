import { Type } from '@nestjs/common';
import { PairingInput } from '../../../application/request-types/create-pairing/create-pairing.definition';
import { InputOf } from '../../../application/request-types/request-types';
import { SubscriptionChangeInput } from '../../../application/request-types/subscription-change/subscription-change.definition';
import { RequestType } from '../../../domain/provisioning-request';
import { CreatePairingRequestDto, CreationRequestDto } from './create-pairing.request.dto';
import { SubscriptionChangeRequestDto } from './subscription-change.request.dto';

/** What a route's body reader may use: SPEC §1's identifier rule, and days in the service time zone. */
export interface BodyReading {
  /** An identifier object with exactly one of `keys` set; none, both or a null key is INVALID_PARAMETER naming `field`. */
  exactlyOne<K extends string>(dto: object, field: string, keys: readonly K[]): { [P in K]: Record<P, string> }[K];
  /** A day as given, or the day of a date and time (or of today) in the service time zone. */
  startDay(text: string | undefined): string;
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
};
