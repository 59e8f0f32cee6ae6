/** Why a decision was refused. The HTTP edge maps each kind to a status code; the domain knows none. */
export type DomainErrorKind =
  /** The command breaks a rule about its own content; `field` names the offending member. */
  | 'INVALID'
  /** The same idempotency key was used before for a different request. */
  | 'IDEMPOTENCY_CONFLICT'
  /** The command addresses a request that does not exist. */
  | 'NOT_FOUND'
  /** The command does not apply in the request's current state. */
  | 'WRONG_STATE';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** `field: why`, as error descriptions read (the message without the field's name where it starts with it). */
  get description(): string {
    if (!this.field) return this.message;
    const why = this.message.startsWith(`${this.field} `) ? this.message.slice(this.field.length + 1) : this.message;
    return `${this.field}: ${why}`;
  }
}
