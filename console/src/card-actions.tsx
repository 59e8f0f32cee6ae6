import { useState } from 'preact/hooks';
import { call, RequestView } from './api';
import { useFormAction } from './form-action';
import { REQUEST_TYPE_RULES } from '../../src/domain/provisioning-request/types/request-types';

/** The card actions a support desk takes on a call, each through its own route (so the same rules as any client). */
const ACTIONS = {
  GET_PAIRING_STATUS_FOR_CARD: 'get_pairing_status_for_card',
  UPDATE_CA_PIN_TO_DEFAULT_VALUE: 'update_ca_pin_to_default_value',
  UPDATE_CA_PIN_TO_GIVEN_VALUE: 'update_ca_pin_to_given_value',
  SEND_BARK_MESSAGE_TO_CLIENT: 'send_bark_message_to_client',
} as const;
type Action = keyof typeof ACTIONS;

/**
 * One card, one action: check its pairing, reset or set its PIN, or show its holder a bark message. Sent with
 * process_immediately, so a status check opens on its answer. The PIN field is a password field, cleared once
 * sent: the console never shows a PIN back.
 */
export function CardActions({ created }: { created: (id: string) => void }) {
  const [action, setAction] = useState<Action>('GET_PAIRING_STATUS_FOR_CARD');
  const [card, setCard] = useState('');
  const [pin, setPin] = useState('');
  const [text, setText] = useState('');
  const [seconds, setSeconds] = useState('20');
  const { error, busy, submit } = useFormAction(
    async () => {
      const common = { process_immediately: true };
      const body =
        action === 'SEND_BARK_MESSAGE_TO_CLIENT'
          ? { ...common, smartcard_set: [{ smartcard_ca_id: card.trim() }], text, duration_seconds: Number(seconds) }
          : action === 'UPDATE_CA_PIN_TO_GIVEN_VALUE'
            ? { ...common, smartcard_ca_id: card.trim(), pin }
            : { ...common, smartcard_ca_id: card.trim() };
      setPin('');
      const view = await call<RequestView>('POST', `/conax_web_services/provisioning_requests/${ACTIONS[action]}`, body);
      created(view.id);
    },
    (failure) => `${failure.message} ${failure.description ?? ''}`,
  );

  return (
    <details class="new-request">
      <summary>Card action (pairing status, PIN, bark message)</summary>
      <form onSubmit={submit}>
        <label>
          Action
          <select name="action" value={action} onChange={(e) => setAction(e.currentTarget.value as Action)}>
            {(Object.keys(ACTIONS) as Action[]).map((type) => (
              <option value={type}>{REQUEST_TYPE_RULES[type].label}</option>
            ))}
          </select>
        </label>
        <label>
          Smartcard CA ID
          <input name="smartcard_ca_id" required value={card} onInput={(e) => setCard(e.currentTarget.value)} placeholder="01900080207" />
        </label>
        {action === 'UPDATE_CA_PIN_TO_GIVEN_VALUE' && (
          <label>
            New PIN (4 digits)
            <input name="pin" type="password" inputMode="numeric" autoComplete="off" pattern="[0-9]{4}" required value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
          </label>
        )}
        {action === 'SEND_BARK_MESSAGE_TO_CLIENT' && (
          <>
            <label>
              Message (up to 129 characters)
              <input name="text" required maxLength={129} value={text} onInput={(e) => setText(e.currentTarget.value)} />
            </label>
            <label>
              Shown for (seconds, 1–255)
              <input name="duration_seconds" type="number" min={1} max={255} required value={seconds} onInput={(e) => setSeconds(e.currentTarget.value)} />
            </label>
          </>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
        <p role="alert" class="error">
          {error ?? ''}
        </p>
      </form>
    </details>
  );
}
