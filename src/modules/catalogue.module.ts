import { Module } from '@nestjs/common';
import { CatalogueFeed } from '../application/catalogue/catalogue-feed';

/** The local catalogue of services and smartcards, fed from the topics of the services that own them (SPEC §4). */
@Module({ providers: [CatalogueFeed], exports: [CatalogueFeed] })
export class CatalogueModule {}
