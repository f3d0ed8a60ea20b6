// Search: `POST /smart-search` by face photo (`type: image`, a base64 JPEG)
// or by plate / name / label text (`type: text`), optionally within one
// stream and a time window; results with thumbnails, times, stream and
// similarity, most similar first.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "../api";
import { Base64Image, type StreamRef, fileToBase64, formatTime, localToRfc3339 } from "../media";
import { ErrorBox, TimeField } from "../ui";
import type { PageProps } from "./index";

interface Result {
  similarity: number;
  image_jpeg: string;
  primary_text: string;
  secondary_text: string;
  stream_id: string;
  analytic_id: string;
  node_num: number;
  timestamp_ms: number | string;
}

export function SearchPage(_props: PageProps) {
  const [kind, setKind] = useState<"text" | "image">("text");
  const [text, setText] = useState("");
  const [photo, setPhoto] = useState<File | null>(null);
  const [streamId, setStreamId] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [streams, setStreams] = useState<StreamRef[]>([]);
  const [results, setResults] = useState<Result[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<{ streams: StreamRef[] }>("/streams/0")
      .then((answer) => setStreams(answer.streams ?? []))
      .catch(() => setStreams([]));
  }, []);

  const search = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let query: string;
    if (kind === "text") {
      query = text.trim();
      if (!query) {
        setError("type a plate, a name or a label");
        return;
      }
    } else {
      if (!photo) {
        setError("choose a photo (JPEG) of a face");
        return;
      }
      if (photo.type && photo.type !== "image/jpeg") {
        setError("the photo must be a JPEG");
        return;
      }
      query = await fileToBase64(photo);
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { type: kind, query, limit: 50 };
      if (streamId) body.stream_id = streamId;
      if (since) body.since = localToRfc3339(since);
      if (until) body.until = localToRfc3339(until);
      const answer = await api<{ results: Result[] }>("/smart-search", { method: "POST", body });
      setResults(answer.results ?? []);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section data-testid="page-search">
      <h1>Search</h1>
      <form class="card" onSubmit={search}>
        <fieldset class="plain">
          <legend>Search by</legend>
          <label class="inline">
            <input
              type="radio"
              name="search-kind"
              value="text"
              data-testid="search-kind-text"
              checked={kind === "text"}
              onChange={() => setKind("text")}
            />
            plate, name or label
          </label>
          <label class="inline">
            <input
              type="radio"
              name="search-kind"
              value="image"
              data-testid="search-kind-image"
              checked={kind === "image"}
              onChange={() => setKind("image")}
            />
            face photo
          </label>
        </fieldset>
        {kind === "text" ? (
          <>
            <label for="search-text">Text</label>
            <input
              id="search-text"
              data-testid="search-text"
              value={text}
              maxLength={256}
              placeholder="B 1234 XYZ, a name, person, truck"
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
            />
          </>
        ) : (
          <>
            <label for="search-photo">Face photo (JPEG)</label>
            <input
              id="search-photo"
              type="file"
              accept="image/jpeg"
              data-testid="search-photo"
              onChange={(e) => setPhoto((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
          </>
        )}
        <div class="filter-grid">
          <div>
            <label for="search-stream">Stream</label>
            <select id="search-stream" value={streamId} onChange={(e) => setStreamId((e.target as HTMLSelectElement).value)}>
              <option value="">all streams</option>
              {streams.map((s) => (
                <option key={s.stream_id} value={s.stream_id}>
                  {s.stream_name || s.stream_id}
                </option>
              ))}
            </select>
          </div>
          <TimeField
            id="search-since"
            label="From"
            value={since}
            onInput={(e) => setSince((e.target as HTMLInputElement).value)}
          />
          <TimeField
            id="search-until"
            label="Until"
            value={until}
            onInput={(e) => setUntil((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="actions">
          <button type="submit" data-testid="search-submit" disabled={busy}>
            {busy ? "Searching…" : "Search"}
          </button>
        </div>
      </form>
      <ErrorBox message={error} testid="search-error" />
      {results !== null &&
        (results.length === 0 ? (
          <p class="muted" data-testid="search-empty">
            Nothing found.
          </p>
        ) : (
          <ul class="feed" data-testid="search-results">
            {results.map((r, i) => (
              <li key={i} class="feed-item" data-testid="search-result">
                <Base64Image data={r.image_jpeg} alt={r.primary_text || r.analytic_id} testid="search-thumbnail" />
                <div class="feed-text">
                  <strong data-testid="search-result-text">{r.primary_text || r.secondary_text || r.analytic_id}</strong>
                  {r.secondary_text && r.primary_text ? <span class="muted"> {r.secondary_text}</span> : null}
                  <span class="badge" data-testid="search-similarity">
                    {(r.similarity * 100).toFixed(0)} %
                  </span>
                  <div class="muted small">
                    <time dateTime={new Date(Number(r.timestamp_ms)).toISOString()}>{formatTime(Number(r.timestamp_ms))}</time> ·{" "}
                    {r.analytic_id} · stream{" "}
                    <a href={`#/events?stream_id=${encodeURIComponent(r.stream_id)}`}>
                      <code>{r.stream_id}</code>
                    </a>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
