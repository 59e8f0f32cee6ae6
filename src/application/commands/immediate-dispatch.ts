import { Inject, Injectable } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from '../limits';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';
import { RequestViewReader } from '../read-model/request-view.reader';

/**
 * process_immediately: the dispatch saga sends the request as soon as PairingRequested is stored (so a crash
 * right after the create still sends it); the HTTP call waits, bounded, for Conax's outcome to reach the
 * read model. It returns the final state when it arrives in time, the current (PENDING) state otherwise.
 */
@Injectable()
export class ImmediateDispatch {
  constructor(
    private readonly reader: RequestViewReader,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
  ) {}

  awaitOutcome(requestId: string): Promise<ProvisioningRequestView> {
    return this.reader.waitForFinal(requestId, Date.now() + this.settings.processImmediatelyWaitMs);
  }
}
