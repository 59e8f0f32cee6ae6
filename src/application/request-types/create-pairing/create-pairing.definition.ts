import { ConaxCall, ConaxCallResult, ConaxClient } from '../../ports/conax-client.port';
import { RequestTypeDefinition } from '../request-type-definition';

export interface PairingInput {
  smartcardCaIds: string[];
  stbCaIds: string[];
}

/** The pairing counts as this request's when every card is paired with exactly this request's STBs. */
async function alreadyPaired(client: ConaxClient, call: ConaxCall): Promise<ConaxCallResult | null> {
  if (call.smartcardCaIds.length === 0) return null;
  const wanted = [...call.stbCaIds].sort().join(',');
  let reference: string | null = null;
  let response = '';
  for (const card of call.smartcardCaIds) {
    const status = await client.pairingStatusForCard(card);
    if (!status.paired || [...status.stbCaIds].sort().join(',') !== wanted || status.referenceNumber === null) return null;
    reference ??= status.referenceNumber;
    response = status.response;
  }
  return { kind: 'accepted', response, referenceNumber: reference as string };
}

/** CREATE_PAIRING: pair every listed smartcard with every listed STB. */
export const createPairing: RequestTypeDefinition<'CREATE_PAIRING', PairingInput> = {
  type: 'CREATE_PAIRING',
  route: 'create_pairing',
  // Unchanged since the first release.
  fingerprint: (input) => [input.subscription, input.processImmediately, input.scheduledDate?.toISOString() ?? null, input.priority, input.smartcardCaIds, input.stbCaIds],
  draft: (input, base, sources) => ({
    ...base,
    smartcards: input.smartcardCaIds.map((smartcard_ca_id) => ({ id: sources.newId(), smartcard_ca_id })),
    stbs: input.stbCaIds.map((stb_ca_id) => ({ id: sources.newId(), stb_ca_id })),
    limits: sources.limits,
  }),
  conax: {
    operation: 'CreatePairing',
    call: (request) => ({
      operation: 'CreatePairing',
      smartcardCaIds: request.smartcards.map((s) => s.smartcard_ca_id),
      stbCaIds: request.stbs.map((s) => s.stb_ca_id),
      serviceCaId: null,
      startDate: null,
    }),
    alreadyDone: alreadyPaired,
  },
};
