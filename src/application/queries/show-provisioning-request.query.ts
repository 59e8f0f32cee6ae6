import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProvisioningRequestView } from '../ports/read-model.port';
import { RequestIdentifier, RequestViewReader } from '../read-model/request-view.reader';

export class ShowProvisioningRequestQuery extends Query<ProvisioningRequestView> {
  constructor(
    readonly identifier: RequestIdentifier,
    readonly organisation: string,
  ) {
    super();
  }
}

@QueryHandler(ShowProvisioningRequestQuery)
export class ShowProvisioningRequestHandler implements IQueryHandler<ShowProvisioningRequestQuery, ProvisioningRequestView> {
  constructor(private readonly reader: RequestViewReader) {}

  execute(query: ShowProvisioningRequestQuery): Promise<ProvisioningRequestView> {
    return this.reader.get(query.identifier, query.organisation);
  }
}
