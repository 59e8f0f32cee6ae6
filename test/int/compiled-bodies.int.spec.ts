import 'reflect-metadata';
import fc from 'fast-check';
import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { CompiledBodies } from '../../src/infrastructure/http/compiled-bodies';
import { requestSchemas } from '../../src/infrastructure/http/request-schemas';
import { validationPipe } from '../../src/infrastructure/http/validation';
import { CREATE_ROUTES } from '../../src/infrastructure/http/provisioning-requests/create-routes';
import { CreatePairingRequestDto } from '../../src/infrastructure/http/provisioning-requests/create-pairing.request.dto';
import { SubscriptionChangeRequestDto } from '../../src/infrastructure/http/provisioning-requests/subscription-change.request.dto';
import { caId, common, date, identifier, maybe, messageText, mostly, oneSmartcard, pin, set, wholeNumber } from '../support/body-arbitraries';
import {
  AddToExistingPairingRequestDto,
  BarkMessageRequestDto,
  CardRequestDto,
  FingerprintRequestDto,
  MailMessageRequestDto,
  PairingModuleRequestDto,
  PinRequestDto,
  RepeatingBarkMessageRequestDto,
} from '../../src/infrastructure/http/provisioning-requests/utility-requests.request.dto';

const MAX_SET_SIZE = 5;
const createBodies = Object.values(CREATE_ROUTES).map((route) => route.body);
const compiled = new CompiledBodies(requestSchemas(MAX_SET_SIZE), createBodies);
const withCompiled = validationPipe(MAX_SET_SIZE, compiled);
const classValidatorAlone = validationPipe(MAX_SET_SIZE, null);

/**
 * The schemas without the rules that the document states but the routes and the domain enforce after
 * validation (a set's size and uniqueness, an identifier's exactly-one key): class-validator's own rules,
 * as JSON Schema, compiled the same way.
 */
const rulesOnly = new CompiledBodies(
  JSON.parse(JSON.stringify(requestSchemas(MAX_SET_SIZE)), (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([name]) => !['minItems', 'uniqueItems', 'minProperties', 'maxProperties', 'oneOf'].includes(name)))
      : value,
  ),
  createBodies,
);

type Outcome = { accepted: unknown } | { refused: unknown };
async function outcomeOf(pipe: PipeTransform, dto: Function, body: unknown): Promise<Outcome> {
  const metadata: ArgumentMetadata = { type: 'body', metatype: dto as ArgumentMetadata['metatype'], data: undefined };
  try {
    // As JSON: what a route's handler reads from it (a DTO instance or the parsed body, member by member).
    return { accepted: JSON.parse(JSON.stringify(await pipe.transform(JSON.parse(JSON.stringify(body)), metadata))) };
  } catch (error) {
    const { code, message, description } = error as { code?: string; message: string; description?: string };
    return { refused: { code, message, description } };
  }
}

/**
 * The compiled fast path against class-validator alone, on generated bodies (about half valid): the pipe
 * answers the same with and without it (the same body handed on, or the same code, field and wording); the
 * compiled schema never accepts a body class-validator refuses; and without the rules enforced after
 * validation, it accepts exactly the bodies class-validator accepts (so valid bodies do take the fast path).
 */
describe('the compiled request schemas agree with class-validator, body by body', () => {
  let verdicts: Record<string, number>;
  beforeEach(() => {
    verdicts = {};
  });
  // Both verdicts, and the fast path itself, must be well represented, or the agreement says little.
  const expectWellRepresented = () => {
    expect(verdicts['class-validator accepts']).toBeGreaterThan(100);
    expect(verdicts['class-validator refuses']).toBeGreaterThan(100);
    expect(verdicts['compiled accepts']).toBeGreaterThan(100);
  };

  const agree = async (dto: Function, generated: Record<string, unknown>) => {
    const body = JSON.parse(JSON.stringify(generated)); // as the service receives it
    const reference = await outcomeOf(classValidatorAlone, dto, body);
    const answered = await outcomeOf(withCompiled, dto, body);
    expect(answered).toEqual(reference);
    const accepted = 'accepted' in reference;
    const fast = compiled.accepts(dto, body);
    verdicts[`class-validator ${accepted ? 'accepts' : 'refuses'}`] = (verdicts[`class-validator ${accepted ? 'accepts' : 'refuses'}`] ?? 0) + 1;
    if (fast) verdicts['compiled accepts'] = (verdicts['compiled accepts'] ?? 0) + 1;
    if (fast && !accepted) throw new Error(`compiled accepts what class-validator refuses: ${JSON.stringify(body)} ${JSON.stringify(reference)}`);
    if (rulesOnly.accepts(dto, body) !== accepted) {
      throw new Error(`class-validator ${accepted ? 'accepts' : 'refuses'}, its rules as schema do not: ${JSON.stringify(body)} ${JSON.stringify(reference)}`);
    }
  };

  it('create_pairing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ...common,
          token: maybe(fc.constant('a.b.c'), fc.constant(5)),
          smartcard_set: mostly(set('smartcard_ca_id'), fc.constant(undefined), fc.constant(null)),
          stb_set: mostly(set('stb_ca_id'), fc.constant(undefined)),
          subscription_identifier: maybe(identifier(['id', 'number'])),
        }),
        (body) => agree(CreatePairingRequestDto, body),
      ),
      { numRuns: 1000 },
    );
    expectWellRepresented();
  });

  it('add_subscriptions and cancel_subscriptions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ...common,
          subscription_identifier: mostly(identifier(['id', 'number']), fc.constant(undefined)),
          service_identifier: mostly(identifier(['id', 'code', 'alternative_code']), fc.constant(undefined), fc.constant(null)),
          smartcard_identifier: mostly(identifier(['id', 'serial_number', 'alternative_code']), fc.constant(undefined)),
          start_date: maybe(fc.constantFrom('2026-12-01', '2026-12-01T00:00:00', '2026-12-01T00:00:00+01:00'), fc.constantFrom('soon', '2026/12/01', '2026-12-01 00:00', '')),
        }),
        (body) => agree(SubscriptionChangeRequestDto, body),
      ),
      { numRuns: 1000 },
    );
    expectWellRepresented();
  });

  it('the routes that name one card: the card queries, the PIN, the addition to a pairing, and the pairing module', async () => {
    const smartcardIdentifier = identifier(['id', 'serial_number', 'alternative_code']);
    const card = { ...common, subscription_identifier: maybe(identifier(['id', 'number'])) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant<Function>(CardRequestDto), fc.tuple(fc.record(card), oneSmartcard(smartcardIdentifier))),
          fc.tuple(fc.constant<Function>(PinRequestDto), fc.tuple(fc.record({ ...card, pin: mostly(pin, fc.constant(undefined)) }), oneSmartcard(smartcardIdentifier))),
          fc.tuple(fc.constant<Function>(AddToExistingPairingRequestDto), fc.tuple(fc.record({ ...card, stb_set: mostly(set('stb_ca_id'), fc.constant(undefined)) }), oneSmartcard(smartcardIdentifier))),
          fc.tuple(fc.constant<Function>(PairingModuleRequestDto), fc.tuple(fc.record({ ...card, stb_ca_id: mostly(caId, fc.constant(undefined)) }), fc.constant({}))),
        ),
        ([dto, [body, named]]) => agree(dto, { ...body, ...named }),
      ),
      { numRuns: 1000 },
    );
    expectWellRepresented();
  });

  it('the fingerprint and message routes', async () => {
    const cards = { ...common, subscription_identifier: maybe(identifier(['id', 'number'])), smartcard_set: mostly(set('smartcard_ca_id'), fc.constant(undefined)), start_date: maybe(date) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant<Function>(FingerprintRequestDto), fc.record({ ...cards, duration_seconds: maybe(wholeNumber(1, 3600)) })),
          fc.tuple(fc.constant<Function>(MailMessageRequestDto), fc.record({ ...cards, text: mostly(messageText(141), fc.constant(undefined)) })),
          fc.tuple(fc.constant<Function>(BarkMessageRequestDto), fc.record({ ...cards, text: mostly(messageText(129), fc.constant(undefined)), duration_seconds: maybe(wholeNumber(1, 255)) })),
          fc.tuple(
            fc.constant<Function>(RepeatingBarkMessageRequestDto),
            fc.record({
              ...cards,
              text: messageText(129),
              duration_seconds: maybe(wholeNumber(1, 255)),
              repetitions: mostly(wholeNumber(1, 255), fc.constant(undefined)),
              interval_seconds: mostly(wholeNumber(10, 2550, 10), fc.constant(undefined)),
            }),
          ),
        ),
        ([dto, body]) => agree(dto, body),
      ),
      { numRuns: 1000 },
    );
    expectWellRepresented();
  });

  it('a body that is not an object, and a DTO that is not compiled, take the class-validator path', async () => {
    for (const body of [null, [], 'text', 7, true]) {
      expect(compiled.accepts(CreatePairingRequestDto, body)).toBe(false);
      expect(await outcomeOf(withCompiled, CreatePairingRequestDto, body)).toEqual(await outcomeOf(classValidatorAlone, CreatePairingRequestDto, body));
    }
    class NotCompiled {}
    expect(compiled.accepts(NotCompiled, {})).toBe(false);
  });
});
