import { ClientMessageRequestedData, MESSAGE_LIMITS } from '../../../domain/provisioning-request';
import { ConaxCall, ConaxOperation } from '../../ports/conax-client.port';
import { RequestTypeDefinition } from '../request-type-definition';
import { callAgain, checkSendable, creationFingerprint, parameterIds } from '../shared-inputs';

interface CardSetInput {
  smartcardCaIds: string[];
  /** When to start; null: now. */
  startDate: Date | null;
}

export interface FingerprintInput extends CardSetInput {
  durationSeconds: number | null;
}

/** DISPLAY_FINGERPRINT: shows each card's fingerprint on screen (shown twice, it is still the card's). */
export const displayFingerprint: RequestTypeDefinition<'DISPLAY_FINGERPRINT', FingerprintInput> = {
  type: 'DISPLAY_FINGERPRINT',
  route: 'display_fingerprint',
  fingerprint: (input) => [...creationFingerprint('DISPLAY_FINGERPRINT', input), input.smartcardCaIds, input.startDate?.toISOString() ?? null, input.durationSeconds],
  draft: (input, base, sources) => ({
    ...base,
    smartcardCaIds: input.smartcardCaIds,
    startDate: input.startDate ?? base.now,
    durationSeconds: input.durationSeconds ?? MESSAGE_LIMITS.fingerprintSeconds.default,
    maxSmartcards: sources.limits.maxSmartcards,
    parameterIds: parameterIds(sources, input.smartcardCaIds.length + 2),
  }),
  conax: {
    operation: 'DisplayFingerprint',
    call: (request) => ({
      operation: 'DisplayFingerprint',
      smartcardCaIds: request.smartcard_ca_ids,
      stbCaIds: [],
      serviceCaId: null,
      startDate: null,
      startsAt: request.start_date,
      durationSeconds: request.duration_seconds,
    }),
    alreadyDone: callAgain,
  },
};

export interface ClientMessageInput extends CardSetInput {
  text: string;
  durationSeconds: number | null;
  repetitions: number | null;
  intervalSeconds: number | null;
}

type MessageType = ClientMessageRequestedData['type'];

function messageCall(operation: ConaxOperation, request: ClientMessageRequestedData): ConaxCall {
  return {
    operation,
    smartcardCaIds: request.smartcard_ca_ids,
    stbCaIds: [],
    serviceCaId: null,
    startDate: null,
    startsAt: request.start_date,
    text: request.text,
    ...(request.duration_seconds === null ? {} : { durationSeconds: request.duration_seconds }),
    ...(request.repetitions === null ? {} : { repetitions: request.repetitions }),
    ...(request.interval_seconds === null ? {} : { intervalSeconds: request.interval_seconds }),
  };
}

/**
 * A message to the cards' holders: mail (kept in the box's mailbox), bark (shown on screen for a time) or a
 * repeating bark. A message shown twice is a nuisance, not a change made twice: an uncertain call is made again.
 */
function clientMessage<T extends MessageType>(type: T, operation: ConaxOperation): RequestTypeDefinition<T, ClientMessageInput> {
  const bark = type !== 'SEND_MAIL_MESSAGE_TO_CLIENT';
  const repeating = type === 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT';
  return {
    type,
    route: type.toLowerCase(),
    fingerprint: (input) => [
      ...creationFingerprint(type, input),
      input.smartcardCaIds,
      input.text,
      input.startDate?.toISOString() ?? null,
      input.durationSeconds,
      input.repetitions,
      input.intervalSeconds,
    ],
    draft(input, base, sources) {
      checkSendable(input.text, sources, 'text');
      const durationSeconds = bark ? (input.durationSeconds ?? MESSAGE_LIMITS.barkSeconds.default) : null;
      const repetitions = repeating ? input.repetitions : null;
      const intervalSeconds = repeating ? input.intervalSeconds : null;
      const others = 2 + (durationSeconds === null ? 0 : 1) + (repetitions === null ? 0 : 1) + (intervalSeconds === null ? 0 : 1);
      return {
        ...base,
        smartcardCaIds: input.smartcardCaIds,
        startDate: input.startDate ?? base.now,
        text: input.text,
        durationSeconds,
        repetitions,
        intervalSeconds,
        maxSmartcards: sources.limits.maxSmartcards,
        parameterIds: parameterIds(sources, input.smartcardCaIds.length + others),
      };
    },
    conax: {
      operation,
      call: (request) => messageCall(operation, request),
      alreadyDone: callAgain,
    },
  };
}

export const mailMessage = clientMessage('SEND_MAIL_MESSAGE_TO_CLIENT', 'SendMailMessage');
export const barkMessage = clientMessage('SEND_BARK_MESSAGE_TO_CLIENT', 'SendBarkMessage');
export const repeatingBarkMessage = clientMessage('SEND_REPEATING_BARK_MESSAGE_TO_CLIENT', 'SendRepeatingBarkMessage');
