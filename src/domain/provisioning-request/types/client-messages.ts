import { checkTiming, DraftBase, openedData } from './draft';
import { checkCaIdSet, checkMessageText, checkWholeNumber, parameterIdAt } from './content-rules';
import { DomainError } from '../errors';
import { BarkMessageRequested, FingerprintDisplayRequested, MailMessageRequested, RepeatingBarkMessageRequested, RequestParameter } from '../events';

/** SPEC §8's limits, one place. */
export const MESSAGE_LIMITS = {
  fingerprintSeconds: { min: 1, max: 3600, default: 20 },
  mailText: 141,
  barkText: 129,
  barkSeconds: { min: 1, max: 255, default: 20 },
  repetitions: { min: 1, max: 255 },
  intervalSeconds: { min: 10, max: 2550, step: 10 },
} as const;

interface CardSetDraft extends DraftBase {
  smartcardCaIds: string[];
  startDate: Date;
  maxSmartcards: number;
  parameterIds: string[];
}

function checkCardSet(draft: CardSetDraft): void {
  checkCaIdSet(draft.smartcardCaIds, 'smartcard_set', draft.maxSmartcards);
  if (Number.isNaN(draft.startDate.getTime())) throw new DomainError('INVALID', 'start_date must be a real date and time.', 'start_date');
  checkTiming(draft);
}

/** The cards' parameters first, then the others in the order given. */
function cardSetParameters(draft: CardSetDraft, others: Record<string, string | number>[]): RequestParameter[] {
  const cards = draft.smartcardCaIds.map((smartcard_ca_id, index) => ({ id: parameterIdAt(draft.parameterIds, index), smartcard_ca_id }));
  const rest = others.map((other, index) => ({ id: parameterIdAt(draft.parameterIds, cards.length + index), ...other }) as RequestParameter);
  return [...cards, ...rest];
}

/** DISPLAY_FINGERPRINT: show the cards' fingerprint on screen, from `startDate` for `durationSeconds`. */
export interface FingerprintDraft extends CardSetDraft {
  type: 'DISPLAY_FINGERPRINT';
  durationSeconds: number;
}

export function checkFingerprint(draft: FingerprintDraft): void {
  checkCardSet(draft);
  const { min, max } = MESSAGE_LIMITS.fingerprintSeconds;
  checkWholeNumber(draft.durationSeconds, 'duration_seconds', min, max);
}

export function openFingerprintDisplay(draft: FingerprintDraft, number: string): FingerprintDisplayRequested {
  const start_date = draft.startDate.toISOString();
  return {
    type: 'FingerprintDisplayRequested',
    data: {
      ...openedData(draft, number),
      type: 'DISPLAY_FINGERPRINT',
      smartcard_ca_ids: draft.smartcardCaIds,
      start_date,
      duration_seconds: draft.durationSeconds,
      parameters: cardSetParameters(draft, [{ start_date }, { duration_seconds: draft.durationSeconds }]),
    },
  };
}

/** SEND_MAIL_MESSAGE_TO_CLIENT, SEND_BARK_MESSAGE_TO_CLIENT, SEND_REPEATING_BARK_MESSAGE_TO_CLIENT. */
export interface ClientMessageDraft extends CardSetDraft {
  type: 'SEND_MAIL_MESSAGE_TO_CLIENT' | 'SEND_BARK_MESSAGE_TO_CLIENT' | 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT';
  text: string;
  /** Bark types only. */
  durationSeconds: number | null;
  /** Repeating bark only. */
  repetitions: number | null;
  intervalSeconds: number | null;
}

export function checkClientMessage(draft: ClientMessageDraft): void {
  checkCardSet(draft);
  const mail = draft.type === 'SEND_MAIL_MESSAGE_TO_CLIENT';
  checkMessageText(draft.text, 'text', mail ? MESSAGE_LIMITS.mailText : MESSAGE_LIMITS.barkText);
  if (mail) return;
  if (draft.durationSeconds === null) throw new DomainError('INVALID', 'duration_seconds must be given.', 'duration_seconds');
  checkWholeNumber(draft.durationSeconds, 'duration_seconds', MESSAGE_LIMITS.barkSeconds.min, MESSAGE_LIMITS.barkSeconds.max);
  if (draft.type !== 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT') return;
  if (draft.repetitions === null) throw new DomainError('INVALID', 'repetitions must be given.', 'repetitions');
  if (draft.intervalSeconds === null) throw new DomainError('INVALID', 'interval_seconds must be given.', 'interval_seconds');
  checkWholeNumber(draft.repetitions, 'repetitions', MESSAGE_LIMITS.repetitions.min, MESSAGE_LIMITS.repetitions.max);
  const interval = MESSAGE_LIMITS.intervalSeconds;
  checkWholeNumber(draft.intervalSeconds, 'interval_seconds', interval.min, interval.max, interval.step);
}

function messageData(draft: ClientMessageDraft, number: string) {
  const start_date = draft.startDate.toISOString();
  const others: Record<string, string | number>[] = [{ text: draft.text }, { start_date }];
  if (draft.durationSeconds !== null) others.push({ duration_seconds: draft.durationSeconds });
  if (draft.repetitions !== null) others.push({ repetitions: draft.repetitions });
  if (draft.intervalSeconds !== null) others.push({ interval_seconds: draft.intervalSeconds });
  return {
    ...openedData(draft, number),
    smartcard_ca_ids: draft.smartcardCaIds,
    text: draft.text,
    start_date,
    duration_seconds: draft.durationSeconds,
    repetitions: draft.repetitions,
    interval_seconds: draft.intervalSeconds,
    parameters: cardSetParameters(draft, others),
  };
}

export function openMailMessage(draft: ClientMessageDraft, number: string): MailMessageRequested {
  return { type: 'MailMessageRequested', data: { ...messageData(draft, number), type: 'SEND_MAIL_MESSAGE_TO_CLIENT', duration_seconds: null, repetitions: null, interval_seconds: null } };
}

export function openBarkMessage(draft: ClientMessageDraft, number: string): BarkMessageRequested {
  return { type: 'BarkMessageRequested', data: { ...messageData(draft, number), type: 'SEND_BARK_MESSAGE_TO_CLIENT', repetitions: null, interval_seconds: null } };
}

export function openRepeatingBarkMessage(draft: ClientMessageDraft, number: string): RepeatingBarkMessageRequested {
  return { type: 'RepeatingBarkMessageRequested', data: { ...messageData(draft, number), type: 'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT' } };
}
