import fc from 'fast-check';

/**
 * Generated request bodies, valid and not (about half each), for the properties that compare two ways of
 * judging a body: the OpenAPI document against the service, the compiled schemas against class-validator.
 */

/** Mostly `valid` (or left out), sometimes one of `invalid`: so that about half the bodies are accepted. */
export const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<unknown>[]) =>
  invalid.length ? fc.oneof({ weight: 24, arbitrary: valid }, { weight: 1, arbitrary: fc.oneof(...invalid) }) : valid;
/** An optional member: left out, valid, or sometimes invalid — null included (leaving out is the way to omit). */
export const maybe = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<unknown>[]) => mostly(fc.option(valid, { nil: undefined }), fc.constant(null), ...invalid);

export const caId = mostly(
  fc.stringMatching(/^[0-9]{1,32}$/),
  fc.string({ unit: fc.constantFrom('1', 'A', '!', '~', ' ', 'é', '\u0000'), minLength: 0, maxLength: 40 }),
  fc.constant('1'.repeat(33)),
  fc.constant(5),
);
export const set = (member: string) =>
  mostly(
    fc.uniqueArray(fc.record({ [member]: caId }), { minLength: 1, maxLength: 5, selector: (item) => item[member] }),
    fc.array(fc.record({ [member]: caId }), { minLength: 0, maxLength: 7 }),
    fc.array(fc.oneof(fc.constant({}), fc.constant({ [member]: '1', extra: 1 }), fc.constant('x'), fc.constant(null)), { minLength: 1, maxLength: 2 }),
    fc.constant(null),
    fc.constant('not a set'),
  );
export const callerText = mostly(fc.stringMatching(/^[A-Z0-9-]{1,12}$/), fc.constant(''), fc.constant('a'.repeat(65)), fc.constant('zero\u200bwidth'), fc.constant(7));
export const identifier = (keys: string[]) =>
  mostly(
    fc.constantFrom(...keys).chain((key) => callerText.map((value) => ({ [key]: value }))),
    fc.constant({}),
    fc.constant({ [keys[0]]: 'A', [keys[1]]: 'B' }),
    fc.constant({ [keys[0]]: null }),
    fc.constant({ colour: 'blue' }),
    fc.constant('id=1'),
  );
// Dates whose calendar is real: the document's pattern cannot tell 2026-02-30 from a real day (documented).
export const date = mostly(
  fc.constantFrom('2020-01-01T00:00:00', '2020-06-30T12:00:00Z', '2020-06-30T12:00:00+02:00', '2020-01-01T00:00:00.250Z'),
  fc.constantFrom('tomorrow', '2020-01-01', '2020-01-01 00:00:00', '', '2020-1-1T00:00:00'),
  fc.constant(20200101),
);
export const common = {
  process_immediately: maybe(fc.constant(false), fc.constant('yes'), fc.constant(0)),
  scheduled_date: maybe(date),
  priority: maybe(fc.constantFrom('REGULAR', 'EXPRESS'), fc.constantFrom('URGENT', 'regular'), fc.constant(1)),
  colour: fc.oneof({ weight: 30, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('blue') }),
};


/** SPEC §8's members. Texts from characters every rule agrees on (no variation selectors: validator.js does not count them, JSON Schema does). */
export const messageText = (max: number) =>
  mostly(
    fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '!', 'é', 'ü', '😀'), minLength: 1, maxLength: max }),
    fc.constant(''),
    fc.constant('x'.repeat(max + 1)),
    fc.constant(12),
  );
export const wholeNumber = (min: number, max: number, step = 1) =>
  mostly(
    fc.integer({ min: min / step, max: max / step }).map((n) => n * step),
    fc.constantFrom(min - step, max + step, 1.5, '20'),
    ...(step > 1 ? [fc.constant(min + 1)] : []),
  );
export const pin = mostly(fc.stringMatching(/^[0-9]{4}$/), fc.constantFrom('123', '12345', '12a4', '', '١٢٣٤'), fc.constant(1234));
/** A card named by CA ID, by catalogue identifier, by both or by neither. */
export const oneSmartcard = (identifierArbitrary: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ smartcard_ca_id: caId }) },
    { weight: 10, arbitrary: fc.record({ smartcard_identifier: identifierArbitrary }) },
    { weight: 1, arbitrary: fc.record({ smartcard_ca_id: caId, smartcard_identifier: identifierArbitrary }) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
