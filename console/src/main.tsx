import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { logOut, Session } from './api';
import { Login } from './login';
import { Batches } from './batches';
import { Operations } from './operations';
import { RequestDetail } from './request-detail';
import { Requests } from './requests';
import './styles.css';

type Route = { page: 'requests' } | { page: 'request'; id: string } | { page: 'batches'; id: string | null } | { page: 'operations' };

/** The hash names the page (never the token): #/requests, #/requests/<id>, #/batches, #/batches/<id>, #/operations. */
function routeOf(hash: string): Route {
  const request = /^#\/requests\/([0-9A-Fa-f]{32})$/.exec(hash);
  if (request) return { page: 'request', id: request[1].toUpperCase() };
  const batch = /^#\/batches(?:\/([0-9A-Fa-f]{32}))?$/.exec(hash);
  if (batch) return { page: 'batches', id: batch[1]?.toUpperCase() ?? null };
  if (hash === '#/operations') return { page: 'operations' };
  return { page: 'requests' };
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  useEffect(() => {
    const follow = () => setRoute(routeOf(location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const go = (hash: string) => {
    location.hash = hash;
    setRoute(routeOf(hash));
  };

  if (!session) return <Login onLoggedIn={setSession} />;
  const operator = session.roles.includes('operations');
  const page = route.page === 'operations' && !operator ? { page: 'requests' as const } : route;
  return (
    <>
      <header>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <span class="brand">Conax provisioning</span>
        <nav aria-label="Main">
          <a href="#/requests" aria-current={page.page === 'requests' || page.page === 'request' ? 'page' : undefined}>
            Requests
          </a>
          <a href="#/batches" aria-current={page.page === 'batches' ? 'page' : undefined}>
            Batches
          </a>
          {operator && (
            <a href="#/operations" aria-current={page.page === 'operations' ? 'page' : undefined}>
              Operations
            </a>
          )}
        </nav>
        <span class="who">
          {session.username} · {session.organisation}
        </span>
        <button type="button" class="secondary" onClick={() => void logOut().then(() => setSession(null))}>
          Log out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {page.page === 'requests' && <Requests open={(id) => go(`#/requests/${id}`)} />}
        {page.page === 'request' && <RequestDetail id={page.id} back={() => go('#/requests')} />}
        {page.page === 'batches' && <Batches selected={page.id} select={(id) => go(id ? `#/batches/${id}` : '#/batches')} />}
        {page.page === 'operations' && <Operations />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
