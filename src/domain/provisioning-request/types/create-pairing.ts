import { caIdProblem } from '../ca-id';
import { checkTiming, DraftBase, openedData } from './draft';
import { DomainError } from '../errors';
import { PairingRequested, SmartcardParameter, StbParameter } from '../events';

export interface PairingLimits {
  maxSmartcards: number;
  maxStbs: number;
}

/** CREATE_PAIRING: pair every listed smartcard with every listed STB. */
export interface PairingDraft extends DraftBase {
  type: 'CREATE_PAIRING';
  smartcards: SmartcardParameter[];
  stbs: StbParameter[];
  /** The limits in force when it was asked for (configuration). */
  limits: PairingLimits;
}

function checkSet(items: readonly string[], field: string, max: number): void {
  if (items.length === 0) throw new DomainError('INVALID', `${field} must hold at least one item.`, field);
  if (items.length > max) throw new DomainError('INVALID', `${field} must hold at most ${max} items.`, field);
  const seen = new Set<string>();
  items.forEach((value, index) => {
    const problem = caIdProblem(value);
    if (problem) throw new DomainError('INVALID', `${field}[${index}] ${problem}.`, `${field}[${index}]`);
    if (seen.has(value)) throw new DomainError('INVALID', `${field} lists "${value}" more than once.`, field);
    seen.add(value);
  });
}

/** The content rules of a pairing. Throws on the first breach. */
export function checkPairing(draft: PairingDraft): void {
  checkSet(
    draft.smartcards.map((s) => s.smartcard_ca_id),
    'smartcard_set',
    draft.limits.maxSmartcards,
  );
  checkSet(
    draft.stbs.map((s) => s.stb_ca_id),
    'stb_set',
    draft.limits.maxStbs,
  );
  checkTiming(draft);
}

export function openPairing(draft: PairingDraft, number: string): PairingRequested {
  return {
    type: 'PairingRequested',
    data: { ...openedData(draft, number), type: 'CREATE_PAIRING', smartcards: draft.smartcards, stbs: draft.stbs },
  };
}
