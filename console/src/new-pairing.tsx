import { useState } from 'preact/hooks';
import { call, RequestView } from './api';
import { useFormAction } from './form-action';

const ids = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** A CREATE_PAIRING request from the console, through the same route as any client (so the same rules). */
export function NewPairing({ created }: { created: (id: string) => void }) {
  const [cards, setCards] = useState('');
  const [stbs, setStbs] = useState('');
  const [priority, setPriority] = useState('REGULAR');
  const [immediately, setImmediately] = useState(false);
  const { error, busy, submit } = useFormAction(
    async () => {
      const body = {
        smartcard_set: ids(cards).map((smartcard_ca_id) => ({ smartcard_ca_id })),
        stb_set: ids(stbs).map((stb_ca_id) => ({ stb_ca_id })),
        priority,
        process_immediately: immediately,
      };
      const view = await call<RequestView>('POST', '/conax_web_services/provisioning_requests/create_pairing', body);
      created(view.id);
    },
    (failure) => `${failure.message} ${failure.description ?? ''}`,
  );

  return (
    <details class="new-request">
      <summary>New pairing request</summary>
      <form onSubmit={submit}>
        <label>
          Smartcard CA IDs (space or comma separated)
          <input name="smartcard_set" required value={cards} onInput={(e) => setCards(e.currentTarget.value)} placeholder="01900080207" />
        </label>
        <label>
          STB CA IDs
          <input name="stb_set" required value={stbs} onInput={(e) => setStbs(e.currentTarget.value)} placeholder="4500012345" />
        </label>
        <label>
          Priority
          <select name="priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value)}>
            <option value="REGULAR">REGULAR</option>
            <option value="EXPRESS">EXPRESS</option>
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" name="process_immediately" checked={immediately} onChange={(e) => setImmediately(e.currentTarget.checked)} />
          Process immediately
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
        <p role="alert" class="error">
          {error ?? ''}
        </p>
      </form>
    </details>
  );
}
