import { DomainError } from '../../domain/provisioning-request';
import { SmartcardIdentifier } from '../ports/catalogue.port';
import { ConaxCallResult } from '../ports/conax-client.port';
import { CreationInput, DraftSources } from './request-type-definition';

/** A smartcard named by its CA ID, or by an identifier of the catalogue (SPEC §8). */
export type SmartcardReference = { caId: string } | { identifier: SmartcardIdentifier };

/** The CA ID of the card a reference names; a catalogue identifier that names nothing is INVALID_PARAMETER. */
export async function smartcardCaIdOf(reference: SmartcardReference, sources: DraftSources): Promise<string> {
  if ('caId' in reference) return reference.caId;
  const smartcard = await sources.catalogue.findSmartcard(reference.identifier);
  if (!smartcard) throw new DomainError('INVALID', 'smartcard_identifier names no smartcard in the catalogue.', 'smartcard_identifier');
  return smartcard.smartcard_ca_id;
}

/** The part of a fingerprint every type shares (what CreationInput holds besides the key and the organisation). */
export function creationFingerprint(type: string, input: CreationInput): unknown[] {
  return [type, input.subscription, input.processImmediately, input.scheduledDate?.toISOString() ?? null, input.priority];
}

/** `count` fresh ids for a request's `parameters_set`. */
export function parameterIds(sources: DraftSources, count: number): string[] {
  return Array.from({ length: count }, () => sources.newId());
}

/**
 * For operations Conax has no status query for, or whose repetition changes nothing that matters: a
 * query asked twice, a PIN set twice to the same value, a fingerprint or message shown twice. An uncertain
 * call is simply made again (docs/conax.md, "Uncertain calls").
 */
export async function callAgain(): Promise<ConaxCallResult | null> {
  return null;
}

/** Refuses a text the Conax charset cannot carry, at creation rather than as a rejection later (SPEC §8). */
export function checkSendable(text: string, sources: DraftSources, field: string): void {
  const problem = sources.unsendableText(text);
  if (problem) throw new DomainError('INVALID', `${field} ${problem}.`, field);
}
