import { useState } from 'preact/hooks';
import { ApiFailure, call } from './api';
import { TimeChart } from './chart';
import { usePolling } from './polling';

interface Status {
  subscribers: { name: string; position: string | null; head: string | null; lag: number | null; caught_up: boolean; active: boolean; parked_here: number; last_error: string | null }[];
  processing_run: { interval_ms: number; scheduled: boolean; running: boolean; last_tick: { at: string; result: string; run_id: string | null; sent: number; timed_out: number; error: string | null } | null };
  bus: { reachable: boolean; dead_lettered_here: number; dead_letter_topics: string[] };
  consumers: { topic: string; group_id: string; joined: boolean; handled: number; dead_lettered: number; lag: number | null }[];
  parked: { events: number; messages: number };
  catalogue: { services: number; smartcards: number };
  conax_queue: { waiting: number; oldest_waiting_seconds: number };
}

interface Provider {
  state: 'EFFECTIVE' | 'NOT_EFFECTIVE';
  reason: string | null;
  since: string | null;
}

interface Parked {
  events: { subscriber: string; position: string; stream_id: string; event_id: string; type: string; reason: string; parked_at: string }[];
  messages: { id: string; dlq_topic: string; source_topic: string; key: string; value: string; reason: string; parked_at: string }[];
}

interface Bucket {
  hour: string;
  created: { PENDING: number; COMPLETED: number; REJECTED: number };
  dispatch_to_outcome_ms: { p50: number | null; p95: number | null; count: number };
}

interface Action {
  type: string;
  timestamp: string;
  user: { username: string };
  data: { kind: string; target: Record<string, string>; reason: string };
}

const POLL_MS = 3000;
/** The charts are hourly and read thousands of requests: a slower refresh is enough. */
const CHARTS_POLL_MS = 30_000;

/** Everything that spans organisations: only for the operations role (the API answers 403 to anyone else). */
export function Operations() {
  const [notice, setNotice] = useState<string>('');
  const { data, error, reload } = usePolling(
    async () => {
      const [status, parked, actions, provider] = await Promise.all([
        call<Status>('GET', '/operations/status'),
        call<Parked>('GET', '/operations/parked'),
        call<Action[]>('GET', '/operations/actions'),
        call<Provider>('GET', '/operations/provider'),
      ]);
      return { status, parked, actions, provider };
    },
    POLL_MS,
    [],
  );

  const charts = usePolling(() => call<Bucket[]>('GET', '/operations/charts', { hours: 24 }), CHARTS_POLL_MS, []).data ?? [];

  const act = async (action: 'redrive' | 'discard', target: Record<string, string>, label: string) => {
    if (action === 'discard' && !window.confirm(`Discard ${label}? It will never be handled.`)) return;
    try {
      await call('POST', `/operations/parked/${action}`, target);
      setNotice(`${action === 'redrive' ? 'Re-driven' : 'Discarded'}: ${label}.`);
    } catch (failure) {
      setNotice(failure instanceof ApiFailure ? `${failure.code}: ${failure.message}` : String(failure));
    }
    reload();
  };

  const [reason, setReason] = useState('');
  const switchProvider = async (state: Provider['state']) => {
    try {
      await call('POST', '/operations/provider', { state, reason });
      setNotice(`Conax provider ${state === 'EFFECTIVE' ? 'effective again' : 'switched to NOT_EFFECTIVE: nothing is sent to Conax'}.`);
      setReason('');
    } catch (failure) {
      setNotice(failure instanceof ApiFailure ? `${failure.code}: ${failure.message} ${failure.description ?? ''}` : String(failure));
    }
    reload();
  };

  if (!data) return <p role="status">{error ?? 'Loading…'}</p>;
  const { status, parked, actions, provider } = data;
  const next = provider.state === 'EFFECTIVE' ? 'NOT_EFFECTIVE' : 'EFFECTIVE';
  const times = charts.map((b) => Date.parse(b.hour) / 1000);
  return (
    <section aria-labelledby="operations-title">
      <h2 id="operations-title">Operations</h2>
      <p role="status" aria-live="polite" class="notice">
        {notice}
      </p>
      <div class="cards">
        <div class="card" aria-labelledby="provider-title">
          <h3 id="provider-title">Conax provider</h3>
          <p data-testid="provider-state">
            <strong>{provider.state}</strong>
            {provider.since ? ` since ${provider.since}` : ''}
            {provider.state === 'NOT_EFFECTIVE' && provider.reason ? `: ${provider.reason}` : ''}
          </p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void switchProvider(next);
            }}
          >
            <label>
              Reason
              <input name="reason" required maxLength={200} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </label>
            <button type="submit">{next === 'NOT_EFFECTIVE' ? 'Switch to NOT_EFFECTIVE' : 'Switch to EFFECTIVE'}</button>
          </form>
        </div>
        <div class="card">
          <h3>Processing run</h3>
          <p>
            every {status.processing_run.interval_ms / 1000} s{status.processing_run.running ? ' · running now' : ''}
          </p>
          <p>
            {status.processing_run.last_tick
              ? `last: ${status.processing_run.last_tick.result} at ${status.processing_run.last_tick.at}, sent ${status.processing_run.last_tick.sent}, timed out ${status.processing_run.last_tick.timed_out}`
              : 'no run yet in this instance'}
          </p>
        </div>
        <div class="card">
          <h3>Message bus</h3>
          <p>{status.bus.reachable ? 'reachable' : 'UNREACHABLE'}</p>
          <p>dead-lettered by this instance: {status.bus.dead_lettered_here}</p>
        </div>
        <div class="card">
          <h3>Parked work</h3>
          <p>
            {status.parked.events} event(s), {status.parked.messages} message(s)
          </p>
        </div>
        <div class="card">
          <h3>Waiting for Conax</h3>
          <p data-testid="conax-queue">
            {status.conax_queue.waiting} request(s), the oldest due {status.conax_queue.oldest_waiting_seconds} s ago
          </p>
        </div>
        <div class="card">
          <h3>Catalogue</h3>
          <p>
            {status.catalogue.services} service(s), {status.catalogue.smartcards} smartcard(s)
          </p>
        </div>
      </div>

      <h3>Subscribers</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Subscriber</th>
            <th scope="col">Position</th>
            <th scope="col">Lag (events)</th>
            <th scope="col">State</th>
            <th scope="col">Parked here</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {status.subscribers.map((s) => (
            <tr key={s.name}>
              <td>{s.name}</td>
              <td>{s.position ?? '—'}</td>
              <td>{s.lag ?? '—'}</td>
              <td>{s.active ? (s.caught_up ? 'caught up' : 'catching up') : 'standby'}</td>
              <td>{s.parked_here}</td>
              <td>{s.last_error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Message consumers</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Group</th>
            <th scope="col">Member</th>
            <th scope="col">Lag (messages)</th>
            <th scope="col">Handled here</th>
            <th scope="col">Dead-lettered here</th>
          </tr>
        </thead>
        <tbody>
          {status.consumers.map((c) => (
            <tr key={`${c.topic}/${c.group_id}`}>
              <td>{c.topic}</td>
              <td>{c.group_id}</td>
              <td>{c.joined ? 'yes' : 'NO'}</td>
              <td>{c.lag ?? '—'}</td>
              <td>{c.handled}</td>
              <td>{c.dead_lettered}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <div class="columns">
        <TimeChart
          title="Requests created per hour, by state now"
          unit="requests"
          times={times}
          series={[
            { label: 'PENDING', values: charts.map((b) => b.created.PENDING), stroke: '#8a5a00' },
            { label: 'COMPLETED', values: charts.map((b) => b.created.COMPLETED), stroke: '#1d6b2f' },
            { label: 'REJECTED', values: charts.map((b) => b.created.REJECTED), stroke: '#a8201a' },
          ]}
        />
        <TimeChart
          title="Dispatch to outcome (ms), by hour of outcome"
          unit="ms"
          times={times}
          series={[
            { label: 'p50', values: charts.map((b) => b.dispatch_to_outcome_ms.p50), stroke: '#1f4e99' },
            { label: 'p95', values: charts.map((b) => b.dispatch_to_outcome_ms.p95), stroke: '#6b2fa0' },
          ]}
        />
      </div>

      <h3 id="dead-letters-title">Dead letters</h3>
      <table aria-labelledby="dead-letters-title">
        <thead>
          <tr>
            <th scope="col">Parked at</th>
            <th scope="col">From topic</th>
            <th scope="col">Key</th>
            <th scope="col">Why</th>
            <th scope="col">Message</th>
            <th scope="col">Act</th>
          </tr>
        </thead>
        <tbody>
          {parked.messages.map((m) => (
            <tr key={m.id} data-dead-letter={m.id}>
              <td>{m.parked_at}</td>
              <td>{m.source_topic}</td>
              <td>{m.key}</td>
              <td>{m.reason}</td>
              <td>
                <details>
                  <summary>value</summary>
                  <pre class="code">{m.value}</pre>
                </details>
              </td>
              <td class="actions">
                <button type="button" onClick={() => act('redrive', { kind: 'message', id: m.id }, `message ${m.key}`)}>
                  Re-drive
                </button>
                <button type="button" class="secondary" onClick={() => act('discard', { kind: 'message', id: m.id }, `message ${m.key}`)}>
                  Discard
                </button>
              </td>
            </tr>
          ))}
          {parked.messages.length === 0 && (
            <tr>
              <td colSpan={6}>None.</td>
            </tr>
          )}
        </tbody>
      </table>

      <h3 id="parked-events-title">Parked events</h3>
      <table aria-labelledby="parked-events-title">
        <thead>
          <tr>
            <th scope="col">Parked at</th>
            <th scope="col">Subscriber</th>
            <th scope="col">Position</th>
            <th scope="col">Event</th>
            <th scope="col">Why</th>
            <th scope="col">Act</th>
          </tr>
        </thead>
        <tbody>
          {parked.events.map((e) => (
            <tr key={`${e.subscriber}@${e.position}`}>
              <td>{e.parked_at}</td>
              <td>{e.subscriber}</td>
              <td>{e.position}</td>
              <td>
                {e.type} in {e.stream_id}
              </td>
              <td>{e.reason}</td>
              <td class="actions">
                <button type="button" onClick={() => act('redrive', { kind: 'event', subscriber: e.subscriber, position: e.position }, `event ${e.position}`)}>
                  Re-drive
                </button>
                <button type="button" class="secondary" onClick={() => act('discard', { kind: 'event', subscriber: e.subscriber, position: e.position }, `event ${e.position}`)}>
                  Discard
                </button>
              </td>
            </tr>
          ))}
          {parked.events.length === 0 && (
            <tr>
              <td colSpan={6}>None.</td>
            </tr>
          )}
        </tbody>
      </table>

      <h3 id="actions-title">Operator actions</h3>
      <ol class="actions-log" aria-labelledby="actions-title">
        {actions.map((a) => (
          <li>
            <time>{a.timestamp}</time> {a.user.username}: {a.type} {a.data.kind} {Object.values(a.data.target).slice(0, 2).join(' ')} — {a.data.kind === 'provider' ? 'because' : 'parked because'} {a.data.reason}
          </li>
        ))}
        {actions.length === 0 && <li>None yet.</li>}
      </ol>
    </section>
  );
}
