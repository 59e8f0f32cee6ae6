import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsDivisibleBy, IsInt, IsObject, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MESSAGE_LIMITS } from '../../../domain/provisioning-request';
import { IsCaId } from '../caller-text';
import { API_DATE_PATTERN } from '../service-time-zone';
import { MayBeOmitted } from '../validation';
import { CaIdSet, OptionalSubscriptionRequestDto, SmartcardDto, StbDto } from './create-pairing.request.dto';
import { SmartcardIdentifierDto } from './subscription-change.request.dto';

/**
 * One smartcard, by CA ID or by a catalogue identifier: exactly one of the two (SPEC §8). The body of
 * get_pairing_status_for_card, get_active_subscriptions and update_ca_pin_to_default_value.
 */
/**
 * "Exactly one of smartcard_ca_id and smartcard_identifier", for the document (the route checks it); a class
 * decorator is not inherited, so each body that names one card carries it.
 */
const OneSmartcard = () => JSONSchema({ oneOf: [{ required: ['smartcard_ca_id'] }, { required: ['smartcard_identifier'] }] });

@OneSmartcard()
export class CardRequestDto extends OptionalSubscriptionRequestDto {
  @ApiPropertyOptional({ example: '01900080207', description: 'The smartcard by CA ID (give this or smartcard_identifier, not both).' })
  @MayBeOmitted()
  @IsCaId()
  smartcard_ca_id?: string;

  @ApiPropertyOptional({ type: SmartcardIdentifierDto, description: 'The smartcard in the catalogue: exactly one of id, serial_number, alternative_code (or give smartcard_ca_id).' })
  @MayBeOmitted()
  @IsObject()
  @ValidateNested()
  @Type(() => SmartcardIdentifierDto)
  smartcard_identifier?: SmartcardIdentifierDto;
}

/** Body of update_ca_pin_to_given_value. The PIN is sealed at once and never shown (`****`). */
@OneSmartcard()
export class PinRequestDto extends CardRequestDto {
  @ApiProperty({ example: '1234', description: 'Exactly 4 digits. Never shown again: `parameters_set` and `request` say `****`.', writeOnly: true })
  @IsDefined()
  @IsString()
  @Matches(/^[0-9]{4}$/, { message: 'pin must be exactly 4 digits' })
  pin: string;
}

/** Body of add_to_existing_pairing. */
@OneSmartcard()
export class AddToExistingPairingRequestDto extends CardRequestDto {
  @CaIdSet(() => StbDto, "1..MAX_SET_SIZE items, no duplicates: the STBs to add to the card's pairing.")
  stb_set: StbDto[];
}

/** Body of get_pairing_status_for_pairing_module. */
export class PairingModuleRequestDto extends OptionalSubscriptionRequestDto {
  @ApiProperty({ example: '4500012345', description: 'The STB (pairing module) by CA ID.' })
  @IsDefined()
  @IsCaId()
  stb_ca_id: string;
}

/** The cards and the start every fingerprint and message route reads. */
class CardSetRequestDto extends OptionalSubscriptionRequestDto {
  @CaIdSet(() => SmartcardDto)
  smartcard_set: SmartcardDto[];

  @ApiPropertyOptional({ example: '2026-12-01T10:00:00', description: 'When to start (YYYY-MM-DDTHH:mm:ss, optional offset or Z); default: now.' })
  @MayBeOmitted()
  @IsString()
  @Matches(API_DATE_PATTERN, { message: 'start_date must look like YYYY-MM-DDTHH:mm:ss' })
  start_date?: string;
}

/** Body of display_fingerprint. */
export class FingerprintRequestDto extends CardSetRequestDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 3600, default: 20, description: 'How long the fingerprint is shown.' })
  @MayBeOmitted()
  @IsInt()
  @Min(MESSAGE_LIMITS.fingerprintSeconds.min)
  @Max(MESSAGE_LIMITS.fingerprintSeconds.max)
  duration_seconds?: number;
}

/** Body of send_mail_message_to_client. */
export class MailMessageRequestDto extends CardSetRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 141, description: '1–141 characters, writable in CONAX_ENCODING, no control or format characters.' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(MESSAGE_LIMITS.mailText)
  text: string;
}

/** Body of send_bark_message_to_client. */
export class BarkMessageRequestDto extends CardSetRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 129, description: '1–129 characters, writable in CONAX_ENCODING, no control or format characters.' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(MESSAGE_LIMITS.barkText)
  text: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 255, default: 20, description: 'How long the message is shown.' })
  @MayBeOmitted()
  @IsInt()
  @Min(MESSAGE_LIMITS.barkSeconds.min)
  @Max(MESSAGE_LIMITS.barkSeconds.max)
  duration_seconds?: number;
}

/** Body of send_repeating_bark_message_to_client. */
export class RepeatingBarkMessageRequestDto extends BarkMessageRequestDto {
  @ApiProperty({ minimum: 1, maximum: 255, description: 'How many times the message is shown.' })
  @IsDefined()
  @IsInt()
  @Min(MESSAGE_LIMITS.repetitions.min)
  @Max(MESSAGE_LIMITS.repetitions.max)
  repetitions: number;

  @ApiProperty({ minimum: 10, maximum: 2550, multipleOf: 10, description: 'Seconds between showings, in steps of 10.' })
  @IsDefined()
  @IsInt()
  @IsDivisibleBy(MESSAGE_LIMITS.intervalSeconds.step)
  @Min(MESSAGE_LIMITS.intervalSeconds.min)
  @Max(MESSAGE_LIMITS.intervalSeconds.max)
  interval_seconds: number;
}
