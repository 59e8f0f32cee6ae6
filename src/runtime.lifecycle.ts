import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RequestViewProjection } from './application/read-model/request-view.projection';
import { STORAGE } from './infrastructure/config/config.tokens';
import { StorageAdapters } from './infrastructure/adapters';

/** Starts the durable subscriptions after boot; on shutdown stops them first, then closes the stores. */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly projection: RequestViewProjection,
    @Inject(STORAGE) private readonly storage: StorageAdapters,
  ) {}

  onApplicationBootstrap(): void {
    this.projection.subscriber.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.subscriber.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
