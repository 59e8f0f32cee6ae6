import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ListFilter, Page, READ_MODEL, ProvisioningRequestReadModel, ProvisioningRequestView } from '../ports/read-model.port';

export class ListProvisioningRequestsQuery extends Query<ProvisioningRequestView[]> {
  constructor(
    readonly filter: ListFilter,
    readonly page: Page,
  ) {
    super();
  }
}

@QueryHandler(ListProvisioningRequestsQuery)
export class ListProvisioningRequestsHandler
  implements IQueryHandler<ListProvisioningRequestsQuery, ProvisioningRequestView[]>
{
  constructor(@Inject(READ_MODEL) private readonly readModel: ProvisioningRequestReadModel) {}

  execute(query: ListProvisioningRequestsQuery): Promise<ProvisioningRequestView[]> {
    return this.readModel.list(query.filter, query.page);
  }
}
