import { useState } from 'preact/hooks';
import { call, RequestView } from './api';
import { NewPairing } from './new-pairing';
import { CardActions } from './card-actions';
import { usePolling } from './polling';
// The service's own table of request types (pure TypeScript, bundled in): a new type appears here by itself.
import { REQUEST_TYPE_RULES, REQUEST_TYPES } from '../../src/domain/provisioning-request/types/request-types';

const STATES = ['PENDING', 'COMPLETED', 'REJECTED'];
const PAGE = 20;
const POLL_MS = 3000;

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge badge-${state.toLowerCase()}`}>{state}</span>;
}

/** The caller's organisation's requests, with the API's filters and paging, refreshed every few seconds. */
export function Requests({ open }: { open: (id: string) => void }) {
  const [type, setType] = useState('');
  const [state, setState] = useState('');
  const [reference, setReference] = useState('');
  const [offset, setOffset] = useState(0);
  const { data, error } = usePolling(
    () =>
      call<RequestView[]>('GET', '/conax_web_services/provisioning_requests/list', {
        type: type || undefined,
        life_cycle_state: state || undefined,
        reference_number: reference || undefined,
        number_of_results: PAGE + 1,
        offset,
      }),
    POLL_MS,
    [type, state, reference, offset],
  );
  const rows = (data ?? []).slice(0, PAGE);
  const more = (data ?? []).length > PAGE;
  const filter = (set: (value: string) => void) => (event: Event) => {
    set((event.currentTarget as HTMLInputElement | HTMLSelectElement).value);
    setOffset(0);
  };

  return (
    <section aria-labelledby="requests-title">
      <h2 id="requests-title">Provisioning requests</h2>
      <NewPairing created={open} />
      <CardActions created={open} />
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Type
          <select name="type" value={type} onChange={filter(setType)}>
            <option value="">any</option>
            {REQUEST_TYPES.map((t) => (
              <option value={t}>{REQUEST_TYPE_RULES[t].label}</option>
            ))}
          </select>
        </label>
        <label>
          State
          <select name="life_cycle_state" value={state} onChange={filter(setState)}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Reference number
          <input name="reference_number" value={reference} onChange={filter(setReference)} />
        </label>
      </form>
      <p role="status" class="error">
        {error ?? ''}
      </p>
      <table class="requests">
        <caption class="visually-hidden">Requests, newest number first</caption>
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Priority</th>
            <th scope="col">Created</th>
            <th scope="col">By</th>
            <th scope="col">Reference / error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-request-id={r.id}>
              <td>
                <a href={`#/requests/${r.id}`} onClick={(e) => (e.preventDefault(), open(r.id))}>
                  {r.number}
                </a>
              </td>
              <td title={r.type}>{REQUEST_TYPE_RULES[r.type as keyof typeof REQUEST_TYPE_RULES]?.label ?? r.type}</td>
              <td>
                <StateBadge state={r.life_cycle_state} />
              </td>
              <td>{r.priority}</td>
              <td>{r.log_information.created_date}</td>
              <td>{r.log_information.created_by_user.username}</td>
              <td>{r.reference_number ?? r.error_code ?? ''}</td>
            </tr>
          ))}
          {data !== null && rows.length === 0 && (
            <tr>
              <td colSpan={7}>No requests match.</td>
            </tr>
          )}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          Newer
        </button>
        <span>
          {rows.length ? `${offset + 1}–${offset + rows.length}` : ''}
        </span>
        <button type="button" disabled={!more} onClick={() => setOffset(offset + PAGE)}>
          Older
        </button>
      </nav>
    </section>
  );
}
