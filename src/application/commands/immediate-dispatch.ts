import { Inject, Injectable } from '@nestjs/common';
import { APP_SETTINGS, ApplicationSettings } from '../limits';
import { PairingDispatcher } from '../processing/pairing-dispatcher';
import { CommandContext } from '../provisioning-request-streams';
import { ProvisioningRequestView } from '../read-model/provisioning-request-view';
import { RequestViewReader } from '../read-model/request-view.reader';

/**
 * process_immediately: send at once, then wait (bounded) for Conax's outcome to reach the read model.
 * Returns the final state when it arrives in time, the current (PENDING) state otherwise.
 */
@Injectable()
export class ImmediateDispatch {
  constructor(
    private readonly dispatcher: PairingDispatcher,
    private readonly reader: RequestViewReader,
    @Inject(APP_SETTINGS) private readonly settings: ApplicationSettings,
  ) {}

  async dispatchAndAwait(requestId: string, context: CommandContext): Promise<ProvisioningRequestView> {
    const deadline = Date.now() + this.settings.processImmediatelyWaitMs;
    await this.dispatcher.dispatch(requestId, null, context);
    return this.reader.waitForFinal(requestId, deadline);
  }
}
