import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ConfigService } from '@nestjs/config';
import { CommandContext } from '../../application/command-handling/command-handler';
import { derivedId } from '../../application/ports/id-generator.port';
import { BusMessage, MESSAGE_BUS, MessageBus, PoisonMessageError, RunningConsumer } from '../../application/ports/message-bus.port';
import { CreateRequestCommand } from '../../application/request-types/create-request.handler';
import { DomainError, REQUEST_TYPES, RequestType } from '../../domain/provisioning-request';
import { ServiceConfiguration } from '../config/app-config';
import { ApiError, ErrorCode } from '../http/api-error';
import { fromDomainError } from '../http/api-exception.filter';
import { MAX_IDEMPOTENCY_KEY_LENGTH, callerTextProblem } from '../http/caller-text';
import { CREATE_ROUTES, creationInputOf } from '../http/provisioning-requests/create-routes';
import { CreationRequestDto } from '../http/provisioning-requests/create-pairing.request.dto';
import { ServiceTimeZone } from '../http/service-time-zone';
import { validationPipe } from '../http/validation';

export const commandsGroup = (topic: string) => `${topic}.service`;

/** A command as another service sends it (SPEC §9; docs/asyncapi.yaml). */
export interface CreateCommand {
  type: RequestType;
  idempotency_key: string;
  organisation: string;
  requested_by: string;
  /** The route's body members, without `token`. */
  parameters: Record<string, unknown>;
}

/** The answer to every command, accepted or not, keyed like it. */
export interface CommandReply {
  idempotency_key: string;
  status: { code: 'OK' | ErrorCode; message: string | null; description: string | null };
  data: { id: string; number: string } | null;
}

class UnreadableCommand extends Error {}

function text(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new UnreadableCommand(`${key} must be a non-empty string`);
  return value;
}

/** The command's envelope; anything that is not one is unreadable (a reply when its key can be read, and the dead-letter topic). */
function readCommand(message: BusMessage): CreateCommand {
  let value: unknown;
  try {
    value = JSON.parse(message.value);
  } catch {
    throw new UnreadableCommand('not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UnreadableCommand('not a JSON object');
  const o = value as Record<string, unknown>;
  const type = text(o, 'type');
  if (!(REQUEST_TYPES as readonly string[]).includes(type)) throw new UnreadableCommand(`type must be one of ${REQUEST_TYPES.join(', ')}`);
  const parameters = o.parameters;
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) throw new UnreadableCommand('parameters must be an object');
  const command = { type: type as RequestType, idempotency_key: text(o, 'idempotency_key'), organisation: text(o, 'organisation'), requested_by: text(o, 'requested_by'), parameters: parameters as Record<string, unknown> };
  if (command.idempotency_key !== message.key) throw new UnreadableCommand('idempotency_key must be the message key');
  return command;
}

/**
 * Other services create requests of any type by a message (SPEC §9): the same command handler as the routes,
 * the body read by the route's own DTO and table entry, a reply for every command on the replies topic.
 *
 * - **Exactly once per (organisation, idempotency_key).** The request id is derived from the organisation, the
 *   organisation's command identity and the key (as a route derives it from the user and the
 *   Idempotency-Key), and the stream is created only if it does not exist: a redelivered command decides
 *   nothing new and is answered with the request it made.
 * - **Allow-list.** A command for an organisation not in COMMAND_ORGANISATIONS is answered FORBIDDEN.
 * - **Nothing dropped silently.** A command that cannot be read is answered (when its key can be read) and
 *   parked on the dead-letter topic; one whose store is down is retried by the bus, then parked.
 * - `process_immediately` is honoured (sent at once) but never waited for: the reply comes as soon as the
 *   request is stored; the outcome comes as integration events.
 */
@Injectable()
export class KafkaCommands {
  private readonly logger = new Logger(KafkaCommands.name);
  private consumer: RunningConsumer | null = null;
  private readonly pipe;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: CommandBus,
    @Inject(ServiceTimeZone) private readonly zone: ServiceTimeZone,
    private readonly configuration: ConfigService<ServiceConfiguration, true>,
  ) {
    this.pipe = validationPipe(this.config.maxSetSize, null);
  }

  private get config() {
    return this.configuration.get('app', { infer: true });
  }

  async start(): Promise<void> {
    const { commands, commandReplies } = this.config.topics;
    await this.bus.ensureTopics([commands, commandReplies]);
    this.consumer = await this.bus.consume({ topic: commands, groupId: commandsGroup(commands), handler: (message) => this.handle(message) });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  async handle(message: BusMessage): Promise<void> {
    let command: CreateCommand;
    try {
      command = readCommand(message);
    } catch (error) {
      if (!(error instanceof UnreadableCommand)) throw error;
      // Answered when the key can be read, so the sender is not left waiting; parked either way.
      if (message.key && callerTextProblem(message.key, MAX_IDEMPOTENCY_KEY_LENGTH) === null) {
        await this.reply(message, { idempotency_key: message.key, status: { code: 'INVALID_PARAMETER', message: 'The command cannot be read.', description: error.message }, data: null });
      }
      throw new PoisonMessageError(`command: ${error.message}`);
    }
    let reply: CommandReply;
    try {
      reply = await this.apply(command, message);
    } catch (error) {
      const refusal = error instanceof ApiError ? error : error instanceof DomainError ? fromDomainError(error) : null;
      if (!refusal) throw error; // a store or the bus is down: the bus retries, then parks it
      reply = { idempotency_key: command.idempotency_key, status: { code: refusal.code, message: refusal.message, description: refusal.description }, data: null };
    }
    await this.reply(message, reply);
  }

  private async apply(command: CreateCommand, message: BusMessage): Promise<CommandReply> {
    if (!this.config.commandOrganisations.includes(command.organisation)) {
      throw new ApiError('FORBIDDEN', 'This organisation takes no commands over Kafka.', `organisation: not in COMMAND_ORGANISATIONS`);
    }
    for (const [name, problem] of [
      ['idempotency_key', callerTextProblem(command.idempotency_key, MAX_IDEMPOTENCY_KEY_LENGTH)],
      ['organisation', callerTextProblem(command.organisation)],
      ['requested_by', callerTextProblem(command.requested_by)],
    ] as const) {
      if (problem) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', `${name}: ${problem}`);
    }
    if ('token' in command.parameters) throw new ApiError('INVALID_PARAMETER', 'A parameter is not valid.', 'parameters.token: a command carries no token');
    const body = (await this.pipe.transform(command.parameters, { type: 'body', metatype: CREATE_ROUTES[command.type].body, data: undefined })) as CreationRequestDto;
    const input = { ...creationInputOf(command.type, body, this.zone), idempotencyKey: command.idempotency_key, organisation: command.organisation };
    // One identity per organisation, so that the key alone names the request; who asked is its user name.
    const user = { id: derivedId('kafka-commands', command.organisation), username: command.requested_by, person_name: null, email: null };
    const context: CommandContext = { user, correlationId: message.headers['correlation-id'] ?? randomUUID(), causationId: null };
    const view = await this.commands.execute(new CreateRequestCommand(command.type, input, context, AbortSignal.abort()));
    return { idempotency_key: command.idempotency_key, status: { code: 'OK', message: null, description: null }, data: { id: view.id, number: view.number } };
  }

  private async reply(message: BusMessage, reply: CommandReply): Promise<void> {
    const correlation = message.headers['correlation-id'];
    await this.bus.publish(this.config.topics.commandReplies, [{ key: reply.idempotency_key, value: JSON.stringify(reply), headers: correlation ? { 'correlation-id': correlation } : {} }]);
    if (reply.status.code !== 'OK') this.logger.warn(`Command ${reply.idempotency_key} refused: ${reply.status.code} ${reply.status.description ?? ''}`);
  }
}
