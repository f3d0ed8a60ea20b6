// The operator console: a login gate (a Bearer JWT checked against a Lenz
// route, kept in sessionStorage), the navigation and a hash router over the
// pages of pages/index.ts (`#/streams`, `#/analytics`, ...).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { checkToken, describe, getToken, setFindFaceToken, setToken, setUnauthorizedHandler } from "./api";
import { PAGES } from "./pages/index";

interface Route {
  page: string;
  rest: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path, search = ""] = text.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? "", rest: parts.slice(1), query: new URLSearchParams(search) };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

function Login({ onLogin, reason }: { onLogin: () => void; reason: string | null }) {
  const [token, setTokenText] = useState("");
  const [findface, setFindface] = useState("");
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, "");
    if (!value) {
      setError("paste a token");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await checkToken(value);
      setToken(value);
      setFindFaceToken(findface.trim().replace(/^Token\s+/i, "") || null);
      onLogin();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" data-testid="login">
      <h1>Vigil console</h1>
      <form onSubmit={submit} class="card">
        <label for="login-token">Bearer token (JWT)</label>
        <textarea
          id="login-token"
          data-testid="login-token"
          rows={4}
          value={token}
          onInput={(e) => setTokenText((e.target as HTMLTextAreaElement).value)}
          autocomplete="off"
          spellcheck={false}
          placeholder="eyJ..."
        />
        <p class="muted">
          Made by <code>vigil jwt --subject NAME</code> (or your identity provider).
        </p>
        <label for="login-findface">FindFace token (optional, for video archives)</label>
        <input
          id="login-findface"
          data-testid="login-findface-token"
          value={findface}
          onInput={(e) => setFindface((e.target as HTMLInputElement).value)}
          autocomplete="off"
          spellcheck={false}
        />
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" data-testid="login-submit" disabled={busy}>
          {busy ? "Checking…" : "Log in"}
        </button>
      </form>
    </main>
  );
}

function App() {
  const [loggedIn, setLoggedIn] = useState(() => getToken() !== null);
  const [reason, setReason] = useState<string | null>(null);
  const route = useRoute();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setToken(null);
      setReason("the token was refused (expired?): log in again");
      setLoggedIn(false);
    });
    return () => setUnauthorizedHandler(null);
  }, []);
  useEffect(() => {
    if (loggedIn && !PAGES.some((p) => p.path === route.page) && route.page === "") location.hash = "#/streams";
  }, [loggedIn, route.page]);
  if (!loggedIn) {
    return <Login reason={reason} onLogin={() => (setReason(null), setLoggedIn(true))} />;
  }
  const logout = () => {
    setToken(null);
    setFindFaceToken(null);
    setReason(null);
    setLoggedIn(false);
  };
  const entry = PAGES.find((p) => p.path === route.page);
  const Page = entry?.component;
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/streams">
          Vigil
        </a>
        <nav aria-label="Pages" data-testid="nav">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={`#/${p.path}`}
              data-testid={`nav-${p.path}`}
              aria-current={p.path === route.page ? "page" : undefined}
            >
              {p.title}
            </a>
          ))}
        </nav>
        <button type="button" class="secondary" data-testid="logout" onClick={logout}>
          Log out
        </button>
      </header>
      <main class="content" id="content">
        {Page ? (
          <Page key={entry.path} rest={route.rest} query={route.query} />
        ) : route.page ? (
          <section data-testid="page-not-found">
            <h1>Not found</h1>
            <p>
              There is no page <code>#/{route.page}</code>.
            </p>
          </section>
        ) : null}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
