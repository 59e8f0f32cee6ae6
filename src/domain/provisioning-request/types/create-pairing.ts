import { checkCaIdSet } from './content-rules';
import { checkTiming, DraftBase, openedData } from './draft';
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

/** The content rules of a pairing. Throws on the first breach. */
export function checkPairing(draft: PairingDraft): void {
  checkCaIdSet(
    draft.smartcards.map((s) => s.smartcard_ca_id),
    'smartcard_set',
    draft.limits.maxSmartcards,
  );
  checkCaIdSet(
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
