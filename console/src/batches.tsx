import { useState } from 'preact/hooks';
import { Batch, BatchRow, call, upload } from './api';
import { useFormAction } from './form-action';
import { usePolling } from './polling';
// The service's own table of what a batch may hold (pure TypeScript, bundled in).
import { BATCHABLE_TYPES } from '../../src/domain/batch/batch.decider';

const POLL_MS = 2000;
const ROUTE = '/conax_web_services/provisioning_requests/batches';

function Progress({ batch }: { batch: Pick<Batch, 'total' | 'created' | 'rejected'> }) {
  const handled = batch.created + batch.rejected;
  return (
    <progress max={batch.total} value={handled} aria-label={`${handled} of ${batch.total} items handled`}>
      {handled}/{batch.total}
    </progress>
  );
}

/** One batch: its counts, progress and invalid lines, followed until DONE. */
function BatchDetail({ id, close }: { id: string; close: () => void }) {
  const { data, error } = usePolling(() => call<Batch>('GET', `${ROUTE}/show`, { batch_identifier: `id=${id}` }), POLL_MS, [id]);
  return (
    <section class="card" aria-labelledby="batch-title" data-testid="batch-detail">
      <h3 id="batch-title">Batch {id}</h3>
      <p role="status" class="error">
        {error ?? ''}
      </p>
      {data && (
        <>
          <p>
            {data.type} ({data.process_name}) · <strong data-testid="batch-state">{data.state}</strong> · <Progress batch={data} /> {data.created} created, {data.rejected} refused of{' '}
            {data.total}
          </p>
          <p class="muted">
            Submitted {data.submitted_at}
            {data.completed_at ? `, done ${data.completed_at}` : ''}. Its requests carry process_id {data.id}.
          </p>
          {data.invalid_items.length > 0 && (
            <table>
              <caption>Invalid items{data.rejected > data.invalid_items.length ? ` (the first ${data.invalid_items.length} of ${data.rejected})` : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {data.invalid_items.map((item) => (
                  <tr key={item.line} data-line={item.line}>
                    <td>{item.line}</td>
                    <td>{item.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <button type="button" class="secondary" onClick={close}>
        Close
      </button>
    </section>
  );
}

/** SPEC §10 in the console: upload a JSON array or a CSV, then follow every batch of the organisation. */
export function Batches({ selected, select }: { selected: string | null; select: (id: string | null) => void }) {
  const [type, setType] = useState<string>(BATCHABLE_TYPES[0]);
  const [file, setFile] = useState<File | null>(null);
  const { data, error, reload } = usePolling(() => call<BatchRow[]>('GET', `${ROUTE}/list`), POLL_MS, []);
  const { error: uploadError, busy, submit } = useFormAction(
    async () => {
      if (!file) return;
      const batch = await upload<Batch>(ROUTE, { type }, file);
      reload();
      select(batch.id);
    },
    (failure) => `${failure.message} ${failure.description ?? ''}`,
  );

  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">Batches</h2>
      <form class="upload" onSubmit={submit}>
        <label>
          Type
          <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {BATCHABLE_TYPES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          File (JSON array, or CSV with a header row)
          <input type="file" name="file" accept=".json,.csv,application/json,text/csv" required onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        </label>
        <button type="submit" disabled={busy || !file}>
          {busy ? 'Uploading…' : 'Upload batch'}
        </button>
        <p role="alert" class="error">
          {uploadError ?? ''}
        </p>
      </form>
      {selected && <BatchDetail id={selected} close={() => select(null)} />}
      <p role="status" class="error">
        {error ?? ''}
      </p>
      <table>
        <caption class="visually-hidden">Batches, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Batch</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
            <th scope="col">Refused</th>
            <th scope="col">Submitted</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((b) => (
            <tr key={b.id} data-batch-id={b.id}>
              <td>
                <a href={`#/batches/${b.id}`} onClick={(e) => (e.preventDefault(), select(b.id))}>
                  {b.id.slice(0, 8)}…
                </a>
              </td>
              <td>{b.type}</td>
              <td>{b.state}</td>
              <td>
                <Progress batch={b} />
              </td>
              <td>{b.created}</td>
              <td>{b.rejected}</td>
              <td>{b.submitted_at}</td>
            </tr>
          ))}
          {data !== null && data.length === 0 && (
            <tr>
              <td colSpan={7}>No batches yet.</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
