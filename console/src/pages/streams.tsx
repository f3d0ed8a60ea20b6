// Streams: the list with each stream's decoder state, fps and resolution
// (`GET /streams`, then `GET /streams/{node}/{id}` for the stats), add, edit
// and delete (`POST`, `PUT`, `DELETE /streams/{node}[/{id}]`), and a
// stream's live view with or without an analytic's overlay (`#/streams/{node}/{id}`).
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { api, describe } from "../api";
import { LiveView } from "../live";
import {
  getStream,
  listNodes,
  listStreams,
  resolution,
  streamLabel,
  type Node,
  type Stream,
  type StreamDetail,
} from "../streams";
import { ErrorBox, Loading, Notice, useAsync, useInterval } from "../ui";
import type { PageProps } from "./index";

export function StreamsPage({ rest }: PageProps) {
  if (rest.length >= 2) return <StreamView node={Number(rest[0])} id={rest[1]} />;
  return <StreamList />;
}

function StateBadge({ state, testid }: { state: string | undefined; testid?: string }) {
  const text = state || "UNKNOWN";
  return (
    <span class={`state ${text}`} data-testid={testid}>
      {text}
    </span>
  );
}

interface Row {
  stream: Stream;
  detail?: StreamDetail;
  error?: string;
}

async function loadRows(): Promise<Row[]> {
  const streams = await listStreams();
  const details = await Promise.allSettled(streams.map((s) => getStream(s.stream_node_num, s.stream_id)));
  return streams.map((stream, i) => {
    const d = details[i];
    return d.status === "fulfilled" ? { stream, detail: d.value } : { stream, error: describe(d.reason) };
  });
}

function StreamList() {
  const rows = useAsync(loadRows);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useInterval(rows.reload, 5000, !adding && editing === null);

  const remove = async (s: Stream) => {
    setError(null);
    try {
      const answer = await api<{ message: string }>(`/streams/${s.stream_node_num}/${encodeURIComponent(s.stream_id)}`, {
        method: "DELETE",
      });
      setMessage(`${streamLabel(s)}: ${answer?.message ?? "deleted"}`);
      setConfirming(null);
      rows.reload();
    } catch (e) {
      setError(describe(e));
    }
  };

  return (
    <section data-testid="page-streams">
      <h1>Streams</h1>
      <div class="actions">
        <button type="button" data-testid="stream-add" onClick={() => (setAdding(!adding), setMessage(null))}>
          {adding ? "Close the form" : "Add a stream"}
        </button>
        <button type="button" class="secondary" data-testid="streams-refresh" onClick={rows.reload}>
          Refresh
        </button>
      </div>
      {adding && (
        <StreamForm
          onCancel={() => setAdding(false)}
          onSaved={(text) => {
            setAdding(false);
            setMessage(text);
            rows.reload();
          }}
        />
      )}
      {message && <Notice testid="streams-message">{message}</Notice>}
      <ErrorBox message={error ?? rows.error} testid="streams-error" />
      <Loading when={rows.loading && !rows.data} />
      {rows.data && rows.data.length === 0 && (
        <p class="muted" data-testid="streams-empty">
          No streams yet.
        </p>
      )}
      {rows.data && rows.data.length > 0 && (
        <div class="table-wrap">
          <table data-testid="streams-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col">FPS</th>
                <th scope="col">Resolution</th>
                <th scope="col">Analytics</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map(({ stream: s, detail, error: rowError }) => (
                <Fragment key={s.stream_id}>
                  <tr data-testid={`stream-row-${s.stream_id}`}>
                    <td>
                      <a href={`#/streams/${s.stream_node_num}/${encodeURIComponent(s.stream_id)}`} data-testid="stream-link">
                        {streamLabel(s)}
                      </a>
                      <div class="muted" style="font-size:0.8rem;word-break:break-all">
                        {s.stream_address}
                      </div>
                    </td>
                    <td>{s.stream_node_num}</td>
                    <td>
                      <StateBadge state={detail?.stream_stats?.state} testid="stream-state" />
                      {(rowError || detail?.stream_stats?.last_error_msg) && (
                        <div class="muted" style="font-size:0.8rem" data-testid="stream-last-error">
                          {rowError || detail?.stream_stats?.last_error_msg}
                        </div>
                      )}
                    </td>
                    <td data-testid="stream-fps">{detail?.stream_stats ? detail.stream_stats.fps.toFixed(1) : "–"}</td>
                    <td data-testid="stream-resolution">{resolution(detail?.stream_stats)}</td>
                    <td>{detail?.pipelines?.length ? detail.pipelines.join(", ") : "–"}</td>
                    <td>
                      <div class="actions" style="margin-top:0">
                        <button
                          type="button"
                          class="secondary"
                          data-testid="stream-edit"
                          onClick={() => setEditing(editing === s.stream_id ? null : s.stream_id)}
                        >
                          Edit
                        </button>
                        {confirming === s.stream_id ? (
                          <>
                            <button type="button" class="danger" data-testid="stream-delete-confirm" onClick={() => remove(s)}>
                              Delete {streamLabel(s)}
                            </button>
                            <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                              Keep
                            </button>
                          </>
                        ) : (
                          <button type="button" class="secondary" data-testid="stream-delete" onClick={() => setConfirming(s.stream_id)}>
                            Delete
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                  {editing === s.stream_id && (
                    <tr>
                      <td colSpan={7}>
                        <StreamForm
                          stream={s}
                          onCancel={() => setEditing(null)}
                          onSaved={(text) => {
                            setEditing(null);
                            setMessage(text);
                            rows.reload();
                          }}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface FormProps {
  /** The stream to edit; a new one when absent. */
  stream?: Stream;
  onSaved: (message: string) => void;
  onCancel: () => void;
}

function numberOrUndefined(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text);
}

/** Add or edit a stream, with the documented fields; the API's own error messages are shown as they come. */
export function StreamForm({ stream, onSaved, onCancel }: FormProps) {
  const nodes = useAsync(listNodes);
  const [node, setNode] = useState(String(stream?.stream_node_num ?? 0));
  const [address, setAddress] = useState(stream?.stream_address ?? "");
  const [name, setName] = useState(stream?.stream_name ?? "");
  const [latitude, setLatitude] = useState(stream?.stream_latitude ? String(stream.stream_latitude) : "");
  const [longitude, setLongitude] = useState(stream?.stream_longitude ? String(stream.stream_longitude) : "");
  const [custom, setCustom] = useState(
    stream?.stream_custom_data && Object.keys(stream.stream_custom_data).length
      ? JSON.stringify(stream.stream_custom_data, null, 2)
      : "",
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const prefix = stream ? `edit-${stream.stream_id}` : "new";

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let customData: Record<string, unknown> | undefined;
    if (custom.trim()) {
      try {
        const parsed: unknown = JSON.parse(custom);
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
        customData = parsed as Record<string, unknown>;
      } catch {
        setError("custom data must be a JSON object");
        return;
      }
    }
    const body: Record<string, unknown> = {
      stream_address: address.trim(),
      stream_name: name.trim(),
      stream_latitude: numberOrUndefined(latitude),
      stream_longitude: numberOrUndefined(longitude),
    };
    if (customData !== undefined) body.stream_custom_data = customData;
    else if (stream) body.stream_custom_data = {};
    setBusy(true);
    try {
      if (stream) {
        const answer = await api<{ message: string }>(
          `/streams/${stream.stream_node_num}/${encodeURIComponent(stream.stream_id)}`,
          { method: "PUT", body },
        );
        onSaved(`${name.trim() || stream.stream_id}: ${answer.message}`);
      } else {
        const answer = await api<{ message: string; stream_id: string; stream_name: string }>(`/streams/${Number(node)}`, {
          method: "POST",
          body,
        });
        onSaved(`${answer.stream_name || answer.stream_id}: ${answer.message}`);
      }
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} data-testid="stream-form" aria-label={stream ? "Edit the stream" : "Add a stream"}>
      <h2>{stream ? `Edit ${streamLabel(stream)}` : "Add a stream"}</h2>
      {!stream && (
        <>
          <label for={`${prefix}-node`}>Node</label>
          <select id={`${prefix}-node`} value={node} onChange={(e) => setNode((e.target as HTMLSelectElement).value)} data-testid="stream-form-node">
            {(nodes.data ?? [{ node_num: 0, status: "", ip_address: "" } as Node]).map((n) => (
              <option key={n.node_num} value={String(n.node_num)}>
                {n.node_num}
                {n.ip_address ? ` (${n.ip_address}${n.status ? `, ${n.status}` : ""})` : ""}
              </option>
            ))}
          </select>
        </>
      )}
      <label for={`${prefix}-address`}>Address</label>
      <input
        id={`${prefix}-address`}
        data-testid="stream-form-address"
        value={address}
        required={!stream}
        onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
        placeholder="rtsp://camera.local:554/live"
        autocomplete="off"
      />
      <p class="field-help">An rtsp://, rtmp://, http(s):// or file:// URL, or usb://N.</p>
      <label for={`${prefix}-name`}>Name</label>
      <input
        id={`${prefix}-name`}
        data-testid="stream-form-name"
        value={name}
        maxLength={128}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <div class="grid">
        <div>
          <label for={`${prefix}-lat`}>Latitude (°)</label>
          <input
            id={`${prefix}-lat`}
            data-testid="stream-form-latitude"
            type="number"
            step="any"
            min={-90}
            max={90}
            value={latitude}
            onInput={(e) => setLatitude((e.target as HTMLInputElement).value)}
          />
        </div>
        <div>
          <label for={`${prefix}-lon`}>Longitude (°)</label>
          <input
            id={`${prefix}-lon`}
            data-testid="stream-form-longitude"
            type="number"
            step="any"
            min={-180}
            max={180}
            value={longitude}
            onInput={(e) => setLongitude((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      <label for={`${prefix}-custom`}>Custom data (a JSON object, optional)</label>
      <textarea
        id={`${prefix}-custom`}
        data-testid="stream-form-custom"
        rows={3}
        value={custom}
        onInput={(e) => setCustom((e.target as HTMLTextAreaElement).value)}
        placeholder='{"site": "gate 2"}'
      />
      <ErrorBox message={error} testid="stream-form-error" />
      <div class="actions">
        <button type="submit" disabled={busy} data-testid="stream-form-submit">
          {stream ? "Save" : "Add"}
        </button>
        <button type="button" class="secondary" onClick={onCancel} data-testid="stream-form-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

function StreamView({ node, id }: { node: number; id: string }) {
  const detail = useAsync(() => getStream(node, id), [node, id]);
  const [overlay, setOverlay] = useState("");
  const [editing, setEditing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  useInterval(detail.reload, 5000, !editing);
  const s = detail.data;
  return (
    <section data-testid="page-stream">
      <p>
        <a href="#/streams" data-testid="back-to-streams">
          ← All streams
        </a>
      </p>
      <h1>{s ? streamLabel(s) : id}</h1>
      <ErrorBox message={detail.error} testid="stream-error" />
      <Loading when={detail.loading && !s} />
      {message && <Notice testid="stream-message">{message}</Notice>}
      {s && (
        <>
          <div class="grid">
            <div class="card">
              <dl class="kv" data-testid="stream-details">
                <dt>Address</dt>
                <dd>{s.stream_address}</dd>
                <dt>Node</dt>
                <dd>{s.stream_node_num}</dd>
                <dt>State</dt>
                <dd>
                  <StateBadge state={s.stream_stats?.state} testid="stream-state" />
                </dd>
                <dt>FPS</dt>
                <dd data-testid="stream-fps">{s.stream_stats ? s.stream_stats.fps.toFixed(1) : "–"}</dd>
                <dt>Resolution</dt>
                <dd data-testid="stream-resolution">{resolution(s.stream_stats)}</dd>
                {s.stream_stats?.last_error_msg && (
                  <>
                    <dt>Last message</dt>
                    <dd data-testid="stream-last-error">{s.stream_stats.last_error_msg}</dd>
                  </>
                )}
                <dt>Analytics</dt>
                <dd>
                  {s.pipelines.length
                    ? s.pipelines.map((a, i) => (
                        <Fragment key={a}>
                          {i > 0 && ", "}
                          <a href={`#/analytics/${node}/${encodeURIComponent(id)}/${encodeURIComponent(a)}`}>{a}</a>
                        </Fragment>
                      ))
                    : "none"}
                </dd>
              </dl>
              <div class="actions">
                <button type="button" class="secondary" data-testid="stream-edit" onClick={() => setEditing(!editing)}>
                  {editing ? "Close the form" : "Edit"}
                </button>
                <a href={`#/analytics/${node}/${encodeURIComponent(id)}`} data-testid="stream-assign">
                  Assign an analytic
                </a>
              </div>
            </div>
          </div>
          {editing && (
            <StreamForm
              stream={s}
              onCancel={() => setEditing(false)}
              onSaved={(text) => {
                setEditing(false);
                setMessage(text);
                detail.reload();
              }}
            />
          )}
          <h2>Live view</h2>
          <label for="overlay">Overlay</label>
          <select
            id="overlay"
            data-testid="live-overlay"
            value={overlay}
            onChange={(e) => setOverlay((e.target as HTMLSelectElement).value)}
          >
            <option value="">none</option>
            {s.pipelines.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <LiveView node={node} stream={id} analytic={overlay || undefined} />
        </>
      )}
    </section>
  );
}
