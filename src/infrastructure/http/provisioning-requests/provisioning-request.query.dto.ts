import { MayBeOmitted } from '../validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { IsCallerText } from '../caller-text';

export const PROVISIONING_REQUEST_TYPES = [
  'ADD_SUBSCRIPTIONS',
  'CANCEL_SUBSCRIPTIONS',
  'GET_ACTIVE_SUBSCRIPTIONS',
  'CREATE_PAIRING',
  'ADD_TO_EXISTING_PAIRING',
  'GET_PAIRING_STATUS_FOR_CARD',
  'GET_PAIRING_STATUS_FOR_PAIRING_MODULE',
  'DISPLAY_FINGERPRINT',
  'UPDATE_CA_PIN_TO_DEFAULT_VALUE',
  'UPDATE_CA_PIN_TO_GIVEN_VALUE',
  'SEND_MAIL_MESSAGE_TO_CLIENT',
  'SEND_BARK_MESSAGE_TO_CLIENT',
  'SEND_REPEATING_BARK_MESSAGE_TO_CLIENT',
] as const;

/** `id=…` or `number=…`: one key, one value (the value's own rules are caller text's, checked when it is read). */
export const REQUEST_IDENTIFIER_PATTERN = /^(id|number)=[^=]+$/;

export const LIFE_CYCLE_STATES = ['PENDING', 'REJECTED', 'COMPLETED'] as const;

export class ShowProvisioningRequestQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ example: 'number=4049', description: '`id=<id>` or `number=<number>`, exactly one.' })
  @IsDefined()
  @IsString()
  @Matches(REQUEST_IDENTIFIER_PATTERN, { message: 'expected exactly one of id=<id> or number=<number>' })
  provisioning_request_identifier: string;

  @ApiPropertyOptional({ example: 'id,number,life_cycle_state', description: 'Comma-separated field names.' })
  @MayBeOmitted()
  @IsString()
  fields_set?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiProperty({ example: 'number=4049', description: '`id=<id>` or `number=<number>`, exactly one.' })
  @IsDefined()
  @IsString()
  @Matches(REQUEST_IDENTIFIER_PATTERN, { message: 'expected exactly one of id=<id> or number=<number>' })
  provisioning_request_identifier: string;
}

export class ListProvisioningRequestsQueryDto {
  @ApiPropertyOptional({ description: 'Token (or send Authorization: Bearer).' })
  @MayBeOmitted()
  @IsString()
  token?: string;

  @ApiPropertyOptional({ enum: PROVISIONING_REQUEST_TYPES })
  @MayBeOmitted()
  @IsIn(PROVISIONING_REQUEST_TYPES)
  type?: string;

  @ApiPropertyOptional({ enum: LIFE_CYCLE_STATES })
  @MayBeOmitted()
  @IsIn(LIFE_CYCLE_STATES)
  life_cycle_state?: (typeof LIFE_CYCLE_STATES)[number];

  @ApiPropertyOptional()
  @MayBeOmitted()
  @IsString()
  @IsCallerText()
  reference_number?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 1000 })
  @MayBeOmitted()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  number_of_results?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @MayBeOmitted()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  offset?: number;

  @ApiPropertyOptional({ example: 'id,number,life_cycle_state' })
  @MayBeOmitted()
  @IsString()
  fields_set?: string;
}
