import { caIdProblem } from '../ca-id';
import { checkTiming, decideOpen, OpenRequest, openedData } from '../decide';
import { DomainError } from '../errors';
import { PairingRequested, SmartcardParameter, StbParameter } from '../events';
import { ProvisioningRequestState } from '../state';

export interface PairingLimits {
  maxSmartcards: number;
  maxStbs: number;
}

export interface CreatePairing extends OpenRequest {
  smartcards: SmartcardParameter[];
  stbs: StbParameter[];
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

/** The content rules of a pairing, checked before anything is allocated for it. Throws on the first breach. */
export function validatePairing(
  command: Pick<CreatePairing, 'smartcards' | 'stbs' | 'processImmediately' | 'scheduledDate' | 'now'>,
  limits: PairingLimits,
): void {
  checkSet(
    command.smartcards.map((s) => s.smartcard_ca_id),
    'smartcard_set',
    limits.maxSmartcards,
  );
  checkSet(
    command.stbs.map((s) => s.stb_ca_id),
    'stb_set',
    limits.maxStbs,
  );
  checkTiming(command);
}

/** Opens a CREATE_PAIRING request: pair every listed smartcard with every listed STB. */
export function decideCreatePairing(
  state: ProvisioningRequestState,
  command: CreatePairing,
  limits: PairingLimits,
): PairingRequested[] {
  return decideOpen(state, command.fingerprint, () => {
    validatePairing(command, limits);
    return openingOf(command);
  });
}

function openingOf(command: CreatePairing): PairingRequested {
  return {
    type: 'PairingRequested',
    data: { ...openedData(command), type: 'CREATE_PAIRING', smartcards: command.smartcards, stbs: command.stbs },
  };
}
