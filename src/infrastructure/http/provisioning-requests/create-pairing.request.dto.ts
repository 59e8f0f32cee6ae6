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

/** Body of POST create_pairing (SPEC §4). Set sizes and CA ID rules are the domain's, checked there. */
export class CreatePairingRequestDto extends CreationRequestDto {
  @ApiPropertyOptional({ type: SubscriptionIdentifierDto })
  @MayBeOmitted()
  @IsObject()
  @ValidateNested()
  @Type(() => SubscriptionIdentifierDto)
  subscription_identifier?: SubscriptionIdentifierDto;

  @ApiProperty({ type: [SmartcardDto], description: '1..MAX_SET_SIZE items, no duplicates.' })
  @IsDefined()
  @IsArray()
  @BoundedSet()
  @ValidateNested({ each: true })
  @Type(() => SmartcardDto)
  smartcard_set: SmartcardDto[];

  @ApiProperty({ type: [StbDto], description: '1..MAX_SET_SIZE items, no duplicates.' })
  @IsDefined()
  @IsArray()
  @BoundedSet()
  @ValidateNested({ each: true })
  @Type(() => StbDto)
  stb_set: StbDto[];
}
