import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsObject,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { PRIORITIES } from '../../../domain/provisioning-request';
import { API_DATE_PATTERN } from '../service-time-zone';
import { IsCaId, IsCallerText } from '../caller-text';
import { MayBeOmitted } from '../validation';
import { BoundedSet } from '../bounded-sets';

/** Exactly one key (SPEC §1): none, two, or a null key is INVALID_PARAMETER. */
@JSONSchema({ minProperties: 1, maxProperties: 1 })
export class SubscriptionIdentifierDto {
  @ApiPropertyOptional({ description: 'Subscription ID (give exactly one of id, number).' })
  @MayBeOmitted()
  @IsCallerText()
  id?: string;

  @ApiPropertyOptional({ description: 'Subscription number (give exactly one of id, number).' })
  @MayBeOmitted()
  @IsCallerText()
  number?: string;
}

export class SmartcardDto {
  @ApiProperty({ example: '01900080207', description: '1–32 printable ASCII characters without spaces (! to ~).' })
  @IsDefined()
  @IsCaId()
  smartcard_ca_id: string;
}

export class StbDto {
  @ApiProperty({ example: '4500012345', description: '1–32 printable ASCII characters without spaces (! to ~).' })
  @IsDefined()
  @IsCaId()
  stb_ca_id: string;
}

/** The members every create route reads the same way (SPEC §4). */
export class CreationRequestDto {
  @ApiPropertyOptional({ description: 'Token from authentication/token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiPropertyOptional({ default: false })
  @MayBeOmitted()
  @IsBoolean()
  process_immediately?: boolean;

  @ApiPropertyOptional({ example: '2026-12-01T10:00:00', description: 'YYYY-MM-DDTHH:mm:ss, optional offset or Z.' })
  @MayBeOmitted()
  @IsString()
  @Matches(API_DATE_PATTERN, { message: 'scheduled_date must look like YYYY-MM-DDTHH:mm:ss' })
  scheduled_date?: string;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'REGULAR' })
  @MayBeOmitted()
  @IsIn(PRIORITIES)
  priority?: string;
}

/**
 * A required set of CA ID items (`smartcard_set`, `stb_set`): an array capped by MAX_SET_SIZE before any item
 * is validated, each item validated as `item`. Set sizes and duplicates are the domain's rules as well.
 */
export function CaIdSet(item: () => Function, description = '1..MAX_SET_SIZE items, no duplicates.'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: [item()], description }),
    IsDefined(),
    IsArray(),
    BoundedSet(),
    ValidateNested({ each: true }),
    Type(item),
  );
}

/** The members of every route whose subscription is optional (create_pairing and the SPEC §8 routes). */
export class OptionalSubscriptionRequestDto extends CreationRequestDto {
  @ApiPropertyOptional({ type: SubscriptionIdentifierDto })
  @MayBeOmitted()
  @IsObject()
  @ValidateNested()
  @Type(() => SubscriptionIdentifierDto)
  subscription_identifier?: SubscriptionIdentifierDto;
}

/** Body of POST create_pairing (SPEC §4). Set sizes and CA ID rules are the domain's, checked there. */
export class CreatePairingRequestDto extends OptionalSubscriptionRequestDto {
  @CaIdSet(() => SmartcardDto)
  smartcard_set: SmartcardDto[];

  @CaIdSet(() => StbDto)
  stb_set: StbDto[];
}
