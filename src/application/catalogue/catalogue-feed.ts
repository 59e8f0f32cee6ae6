import { Inject, Injectable } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from '../application-settings';
import { CATALOGUE, Catalogue } from '../ports/catalogue.port';
import { BusMessage, MESSAGE_BUS, MessageBus, PoisonMessageError, RunningConsumer } from '../ports/message-bus.port';
import {
  CATALOGUE_SERVICE_SCHEMA,
  CATALOGUE_SMARTCARD_SCHEMA,
  CatalogueEntryError,
  parseCatalogueMessage,
  parseService,
  parseSmartcard,
} from './catalogue-entries';

export const catalogueGroup = (topic: string) => `${topic}.catalogue`;

/**
 * Keeps the local catalogue in step with the services that own the reference data: upserts and deletes
 * arrive on two topics keyed by id (so each entry's changes stay in order). Applying one twice changes
 * nothing; an unreadable message is parked on the dead-letter topic like any poison message.
 */
@Injectable()
export class CatalogueFeed {
  private consumers: RunningConsumer[] = [];

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
  ) {}

  async start(): Promise<void> {
    const { catalogueServices, catalogueSmartcards } = this.settings.topics;
    await this.bus.ensureTopics([catalogueServices, catalogueSmartcards]);
    this.consumers = [
      await this.bus.consume({ topic: catalogueServices, groupId: catalogueGroup(catalogueServices), handler: (message) => this.applyService(message) }),
      await this.bus.consume({ topic: catalogueSmartcards, groupId: catalogueGroup(catalogueSmartcards), handler: (message) => this.applySmartcard(message) }),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.consumers = [];
  }

  async applyService(message: BusMessage): Promise<void> {
    const change = poisonIfUnreadable(() => parseCatalogueMessage(message.value, CATALOGUE_SERVICE_SCHEMA, 'service', parseService));
    if (change.action === 'upsert') await this.catalogue.upsertServices([change.entry]);
    else await this.catalogue.deleteService(change.id);
  }

  async applySmartcard(message: BusMessage): Promise<void> {
    const change = poisonIfUnreadable(() => parseCatalogueMessage(message.value, CATALOGUE_SMARTCARD_SCHEMA, 'smartcard', parseSmartcard));
    if (change.action === 'upsert') await this.catalogue.upsertSmartcards([change.entry]);
    else await this.catalogue.deleteSmartcard(change.id);
  }
}

function poisonIfUnreadable<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CatalogueEntryError) throw new PoisonMessageError(`catalogue message: ${error.message}`);
    throw error;
  }
}
