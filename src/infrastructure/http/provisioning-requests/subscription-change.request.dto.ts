import { MayBeOmitted } from '../validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsDefined, IsObject, IsString, Matches, ValidateNested } from 'class-validator';
import { IsCallerText } from '../caller-text';
import { API_DATE_PATTERN } from '../service-time-zone';
import { CreationRequestDto, SubscriptionIdentifierDto } from './create-pairing.request.dto';

/** Exactly one key (SPEC §1): none, two, or a null key is INVALID_PARAMETER. */
@JSONSchema({ minProperties: 1, maxProperties: 1 })
export class ServiceIdentifierDto {
  @ApiPropertyOptional({ description: 'Service ID in the catalogue (give exactly one key).' })
  @MayBeOmitted()
  @IsCallerText()
  id?: string;

  @ApiPropertyOptional({ description: 'Service code.' })
  @MayBeOmitted()
  @IsCallerText()
  code?: string;

  @ApiPropertyOptional({ description: 'Service alternative code.' })
  @MayBeOmitted()
  @IsCallerText()
  alternative_code?: string;
}

/** Exactly one key (SPEC §1): none, two, or a null key is INVALID_PARAMETER. */
@JSONSchema({ minProperties: 1, maxProperties: 1 })
export class SmartcardIdentifierDto {
  @ApiPropertyOptional({ description: 'Smartcard ID in the catalogue (give exactly one key).' })
  @MayBeOmitted()
  @IsCallerText()
  id?: string;

  @ApiPropertyOptional({ description: 'Smartcard serial number.' })
  @MayBeOmitted()
  @IsCallerText()
  serial_number?: string;

  @ApiPropertyOptional({ description: 'Smartcard alternative code.' })
  @MayBeOmitted()
  @IsCallerText()
  alternative_code?: string;
}

/** A day (YYYY-MM-DD) or a date and time as elsewhere in the API (its day in the service time zone counts). */
export const START_DATE_PATTERN = new RegExp(`^\\d{4}-\\d{2}-\\d{2}$|${API_DATE_PATTERN.source}`);

/** Body of POST add_subscriptions and cancel_subscriptions (SPEC §4). */
export class SubscriptionChangeRequestDto extends CreationRequestDto {
  @ApiProperty({ type: SubscriptionIdentifierDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SubscriptionIdentifierDto)
  subscription_identifier: SubscriptionIdentifierDto;

  @ApiProperty({ type: ServiceIdentifierDto, description: 'Exactly one of id, code, alternative_code; must name a catalogue service.' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ServiceIdentifierDto)
  service_identifier: ServiceIdentifierDto;

  @ApiProperty({ type: SmartcardIdentifierDto, description: 'Exactly one of id, serial_number, alternative_code; must name a catalogue smartcard.' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SmartcardIdentifierDto)
  smartcard_identifier: SmartcardIdentifierDto;

  @ApiPropertyOptional({ example: '2026-12-01', description: 'When the change takes effect at Conax; default: the day of submission.' })
  @MayBeOmitted()
  @IsString()
  @Matches(START_DATE_PATTERN, { message: 'start_date must look like YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss' })
  start_date?: string;
}
