import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { dlqTopicOf } from '../../src/application/ports/message-bus.port';
import { commandsGroup, KafkaCommands } from '../../src/infrastructure/commands/kafka-commands';
import { KAFKA_BROKERS } from '../support/kafka';
import { busOf, eventually, recordTopic } from '../support/processing';
import { ROUTES, TestApp, startTestApp } from '../support/test-app';

jest.setTimeout(120_000);

const suffix = randomUUID().slice(0, 8);
const PROFILES: [string, Record<string, string>][] = [
  ['the in-process bus', { COMMANDS_TOPIC: `commands.${suffix}.memory`, COMMAND_REPLIES_TOPIC: `replies.${suffix}.memory` }],
  ...(KAFKA_BROKERS
    ? [['a real Kafka broker', { BUS: 'kafka', KAFKA_BROKERS, COMMANDS_TOPIC: `commands.${suffix}`, COMMAND_REPLIES_TOPIC: `replies.${suffix}`, DISPATCH_TOPIC: `cmd.${suffix}.dispatch`, OUTCOME_TOPIC: `cmd.${suffix}.outcomes`, EVENTS_TOPIC: `cmd.${suffix}.events` }] as [string, Record<string, string>]]
    : []),
];
if (!KAFKA_BROKERS) {
  describe('create commands over a real Kafka broker', () => {
    it.skip('SKIPPED: KAFKA_BROKERS is not set (npm test starts a broker; plain jest does not)', () => undefined);
  });
}

/**
 * SPEC §9 on each bus: other services create requests by a message and get a reply for every command; a
 * command is applied once per (organisation, idempotency_key) however often it is delivered; the organisation
 * allow-list holds; an unreadable command is answered and parked; nothing is dropped silently.
 */
describe.each(PROFILES)('create commands over %s', (profile, env) => {
  let t: TestApp;
  let token: string;
  let replies: Awaited<ReturnType<typeof recordTopic>>;
  let parked: Awaited<ReturnType<typeof recordTopic>>;
  const command = (key: string, type: string, parameters: Record<string, unknown>, organisation = 'ACME') => ({
    key,
    value: JSON.stringify({ type, idempotency_key: key, organisation, requested_by: 'billing-service', parameters }),
    headers: { 'correlation-id': `corr-${key}` },
  });
  const send = (...messages: ReturnType<typeof command>[]) => busOf(t.app).publish(env.COMMANDS_TOPIC, messages);
  const repliesTo = (key: string) => replies.filter((message) => message.key === key).map((message) => JSON.parse(message.value));
  const replyTo = (key: string, count = 1) => eventually(() => repliesTo(key), (found) => found.length >= count, 30_000);
  const stored = async () => (await t.http.get(ROUTES.list).query({ token, number_of_results: 1000 })).body.data as { id: string }[];
  const pairing = (n: number) => ({ smartcard_set: [{ smartcard_ca_id: String(8e9 + n) }], stb_set: [{ stb_ca_id: String(9e9 + n) }] });

  beforeAll(async () => {
    t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '3600000', COMMAND_ORGANISATIONS: 'ACME, INITECH', ...env });
    if (env.BUS === 'kafka') await eventually(() => t.http.get('/health/ready'), (r) => r.status === 200, 60_000);
    token = await t.login();
    replies = await recordTopic(t.app, env.COMMAND_REPLIES_TOPIC);
    parked = await recordTopic(t.app, dlqTopicOf(env.COMMANDS_TOPIC));
  });
  afterAll(() => t?.close());

  it('creates the request and replies with its id and number; the request shows who asked, under the organisation', async () => {
    await send(command(`k1-${suffix}`, 'CREATE_PAIRING', pairing(1)));
    const [reply] = await replyTo(`k1-${suffix}`);
    expect(reply).toEqual({ idempotency_key: `k1-${suffix}`, status: { code: 'OK', message: null, description: null }, data: { id: expect.stringMatching(/^[0-9A-F]{32}$/), number: expect.any(String) } });
    const shown = await t.http.get(ROUTES.show).query({ token, provisioning_request_identifier: `id=${reply.data.id}` });
    expect(shown.body.data).toMatchObject({ type: 'CREATE_PAIRING', life_cycle_state: 'PENDING', log_information: { created_by_user: { username: 'billing-service' } } });
    // Another organisation's user does not see it.
    const outsider = await t.login('mallory');
    expect((await t.http.get(ROUTES.show).query({ token: outsider, provisioning_request_identifier: `id=${reply.data.id}` })).status).toBe(404);
  });

  it('applies a command once however often it is delivered, and answers every delivery with the same request', async () => {
    const batch = [1, 2, 3].map((n) => command(`batch-${n}-${suffix}`, 'SEND_BARK_MESSAGE_TO_CLIENT', { smartcard_set: [{ smartcard_ca_id: String(7e9 + n) }], text: `Bill ${n}` }));
    const before = (await stored()).length;
    await send(...batch);
    const first = await Promise.all(batch.map((message) => replyTo(message.key)));
    if (env.BUS === 'kafka') {
      // What a consumer crash between the append and the offset commit does: the whole batch comes again.
      const commands = t.app.get(KafkaCommands);
      await commands.stop();
      const admin = new Kafka({ brokers: [KAFKA_BROKERS], clientId: 'commands-test', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.resetOffsets({ groupId: commandsGroup(env.COMMANDS_TOPIC), topic: env.COMMANDS_TOPIC, earliest: true });
      await admin.disconnect();
      await commands.start();
    } else {
      await send(...batch); // the in-process bus: the same messages delivered again
    }
    const again = await Promise.all(batch.map((message) => replyTo(message.key, 2)));
    for (const [index, replies] of again.entries()) {
      expect(replies.map((reply) => reply.data?.id)).toEqual([first[index][0].data.id, first[index][0].data.id]);
    }
    expect((await stored()).length).toBe(before + 3);
  });

  it('answers a refused command with the REST codes and stores nothing', async () => {
    const before = (await stored()).length;
    await send(
      command(`bad-${suffix}`, 'CREATE_PAIRING', { smartcard_set: [] , stb_set: [{ stb_ca_id: '1' }] }),
      command(`missing-${suffix}`, 'UPDATE_CA_PIN_TO_GIVEN_VALUE', { smartcard_ca_id: '123' }),
      command(`token-${suffix}`, 'CREATE_PAIRING', { ...pairing(5), token: 'a.b.c' }),
      command(`forbidden-${suffix}`, 'CREATE_PAIRING', pairing(6), 'GLOBEX'),
    );
    expect((await replyTo(`bad-${suffix}`))[0].status).toMatchObject({ code: 'INVALID_PARAMETER', description: expect.stringContaining('smartcard_set') });
    expect((await replyTo(`missing-${suffix}`))[0].status).toMatchObject({ code: 'MISSING_PARAMETER', description: expect.stringContaining('pin') });
    expect((await replyTo(`token-${suffix}`))[0].status).toMatchObject({ code: 'INVALID_PARAMETER', description: expect.stringContaining('token') });
    expect((await replyTo(`forbidden-${suffix}`))[0]).toMatchObject({ status: { code: 'FORBIDDEN' }, data: null });
    // The same key with another body is a conflict, as with Idempotency-Key.
    const answered = repliesTo(`k1-${suffix}`).length;
    await send(command(`k1-${suffix}`, 'CREATE_PAIRING', pairing(99)));
    expect((await replyTo(`k1-${suffix}`, answered + 1))[answered].status.code).toBe('CONFLICT');
    expect((await stored()).length).toBe(before);
  });

  it('answers an unreadable command when its key can be read, and parks it either way', async () => {
    await busOf(t.app).publish(env.COMMANDS_TOPIC, [
      { key: `junk-${suffix}`, value: 'not json', headers: {} },
      { key: `wrongkey-${suffix}`, value: JSON.stringify({ type: 'CREATE_PAIRING', idempotency_key: 'another', organisation: 'ACME', requested_by: 'x', parameters: {} }), headers: {} },
      { key: '', value: '{}', headers: {} },
    ]);
    expect((await replyTo(`junk-${suffix}`))[0]).toMatchObject({ status: { code: 'INVALID_PARAMETER', description: 'not JSON' }, data: null });
    expect((await replyTo(`wrongkey-${suffix}`))[0].status.description).toBe('idempotency_key must be the message key');
    await eventually(() => parked.length, (count) => count >= 3, 30_000);
    expect(parked.map((message) => message.key).sort()).toEqual(['', `junk-${suffix}`, `wrongkey-${suffix}`].sort());
  });
});
