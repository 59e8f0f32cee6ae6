import { call, HistoryEntry, RequestView } from './api';
import { pretty, prettyXml } from './format';
import { usePolling } from './polling';
import { StateBadge } from './requests';

const POLL_MS = 2000;

const FIELDS: (keyof RequestView)[] = [
  'id',
  'number',
  'type',
  'life_cycle_state',
  'priority',
  'process_immediately',
  'scheduled_date',
  'sequence_number',
  'executed_date',
  'reference_number',
  'error_code',
  'error_description',
  'process_name',
  'process_id',
];

/** One request: its fields, the exact text sent to and answered by Conax, and its audit timeline. */
export function RequestDetail({ id, back }: { id: string; back: () => void }) {
  const { data, error } = usePolling(
    async () => {
      const identifier = `id=${id}`;
      const [view, history] = await Promise.all([
        call<RequestView>('GET', '/conax_web_services/provisioning_requests/show', { provisioning_request_identifier: identifier }),
        call<HistoryEntry[]>('GET', '/conax_web_services/provisioning_requests/history', { provisioning_request_identifier: identifier }),
      ]);
      return { view, history };
    },
    POLL_MS,
    [id],
  );
  if (error && !data) {
    return (
      <section>
        <button type="button" onClick={back}>
          Back to the list
        </button>
        <p role="alert" class="error">
          {error}
        </p>
      </section>
    );
  }
  if (!data) return <p role="status">Loading…</p>;
  const { view, history } = data;
  return (
    <section aria-labelledby="request-title">
      <button type="button" onClick={back}>
        Back to the list
      </button>
      <h2 id="request-title">
        Request {view.number} <StateBadge state={view.life_cycle_state} />
      </h2>
      <div class="columns">
        <div>
          <h3>Fields</h3>
          <dl class="fields">
            {FIELDS.map((field) => (
              <>
                <dt>{field}</dt>
                <dd data-field={field}>{view[field] === null || view[field] === undefined ? '—' : String(view[field])}</dd>
              </>
            ))}
            <dt>subscription</dt>
            <dd>{view.subscription ? view.subscription.number ?? view.subscription.id : '—'}</dd>
            <dt>created</dt>
            <dd>
              {view.log_information.created_date} by {view.log_information.created_by_user.username}
            </dd>
            <dt>parameters_set</dt>
            <dd>
              <ul>
                {view.parameters_set.map((p) => (
                  <li>
                    {Object.entries(p)
                      .filter(([k]) => k !== 'id')
                      .map(([k, v]) => `${k} ${v}`)
                      .join(', ')}
                  </li>
                ))}
              </ul>
            </dd>
            {view.result ? (
              <>
                <dt>result</dt>
                <dd data-field="result">
                  <pre class="code">{pretty(view.result)}</pre>
                </dd>
              </>
            ) : null}
          </dl>
          <h3>Sent to Conax</h3>
          <pre class="code" aria-label="request sent to Conax">{prettyXml(view.request) || '— not sent yet'}</pre>
          <h3>Conax answered</h3>
          <pre class="code" aria-label="response from Conax">{prettyXml(view.response) || '— no answer yet'}</pre>
        </div>
        <div>
          <h3 id="timeline-title">Audit timeline</h3>
          <ol class="timeline" aria-labelledby="timeline-title">
            {history.map((entry) => (
              <li key={entry.event_id} data-event-type={entry.type}>
                <div class="when">
                  <time>{entry.timestamp}</time>
                </div>
                <div class="what">
                  <strong>{entry.type}</strong> <span class="muted">revision {entry.revision}</span>
                  <div>
                    by {entry.user.username} · correlation <code>{entry.correlation_id}</code>
                  </div>
                  <details>
                    <summary>data</summary>
                    <pre class="code">{pretty(entry.data)}</pre>
                  </details>
                </div>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
