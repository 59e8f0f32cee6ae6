import { MayBeOmitted } from '../validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { IsCallerText } from '../caller-text';
import { REQUEST_TYPES } from '../../../domain/provisioning-request';


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

  @ApiPropertyOptional({ enum: REQUEST_TYPES })
  @MayBeOmitted()
  @IsIn(REQUEST_TYPES)
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
