// The live view of a stream: the engine's MJPEG (`/mjpeg/{node}/{stream}`,
// or `/mjpeg/{node}/{stream}/{analytic}` with an analytic's overlay) in an
// <img>, or the current frame (`/stream_jpeg/{node}/{stream}`) fetched every
// second with the stored credentials. An <img> cannot send a Bearer token,
// so when the MJPEG fails (VIGIL_AUTH_VISIONAIRE=true, or any other error)
// the view falls back to snapshots, which say why they fail.
import { useEffect, useRef, useState } from "preact/hooks";
import { apiBlob, authHeaders, describe, errorMessage } from "./api";

export type LiveMode = "mjpeg" | "snapshots";

export interface LiveViewProps {
  node: number;
  stream: string;
  /** An analytic assigned to the stream whose overlay is drawn (MJPEG only). */
  analytic?: string;
  height?: number;
  fps?: number;
}

export function mjpegUrl(node: number, stream: string, analytic?: string, height = 480, fps = 10): string {
  const base = `/mjpeg/${node}/${encodeURIComponent(stream)}`;
  const path = analytic ? `${base}/${encodeURIComponent(analytic)}` : base;
  return `${path}?fps=${fps}&height=${height}&jpeg_quality=70`;
}

/** Fetches `/stream_jpeg` (with credentials) and returns an object URL; the caller revokes it. */
export async function snapshotUrl(node: number, stream: string): Promise<string> {
  const blob = await apiBlob(`/stream_jpeg/${node}/${encodeURIComponent(stream)}`);
  return URL.createObjectURL(blob);
}

export function LiveView({ node, stream, analytic, height = 480, fps = 10 }: LiveViewProps) {
  const [mode, setMode] = useState<LiveMode>("mjpeg");
  const [note, setNote] = useState<string | null>(null);
  const [snapshot, setSnapshot] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const current = useRef<string | null>(null);

  useEffect(() => {
    setMode("mjpeg");
    setNote(null);
    setError(null);
  }, [node, stream, analytic]);

  useEffect(() => {
    if (mode !== "snapshots" || paused) return;
    let alive = true;
    let timer = 0;
    const tick = async () => {
      try {
        const url = await snapshotUrl(node, stream);
        if (!alive) {
          URL.revokeObjectURL(url);
          return;
        }
        if (current.current) URL.revokeObjectURL(current.current);
        current.current = url;
        setSnapshot(url);
        setError(null);
      } catch (e) {
        if (alive) setError(describe(e));
      }
      if (alive) timer = window.setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [mode, paused, node, stream]);

  useEffect(
    () => () => {
      if (current.current) URL.revokeObjectURL(current.current);
    },
    [],
  );

  const onMjpegError = async () => {
    // Ask the route itself why (with the credentials an <img> cannot send),
    // then leave at the headers: a working MJPEG never ends.
    const url = mjpegUrl(node, stream, analytic, height, fps);
    const abort = new AbortController();
    let why = "the MJPEG view did not load";
    try {
      const response = await fetch(url, { headers: { Accept: "*/*", ...authHeaders(url) }, signal: abort.signal });
      if (response.ok) why = "an <img> cannot send the Bearer token the edge asks for";
      else {
        const text = await response.text();
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        why = errorMessage(response.status, body, text);
      }
    } catch (e) {
      why = describe(e);
    } finally {
      abort.abort();
    }
    setNote(`MJPEG: ${why}. Showing the current frame every second instead.`);
    setMode("snapshots");
  };

  return (
    <div class="liveview" data-testid="live-view">
      <div class="actions" role="group" aria-label="Live view mode">
        <label class="inline">
          <input
            type="radio"
            name={`live-mode-${stream}`}
            checked={mode === "mjpeg"}
            onChange={() => (setNote(null), setMode("mjpeg"))}
            data-testid="live-mode-mjpeg"
          />
          MJPEG
        </label>
        <label class="inline">
          <input
            type="radio"
            name={`live-mode-${stream}`}
            checked={mode === "snapshots"}
            onChange={() => setMode("snapshots")}
            data-testid="live-mode-snapshots"
          />
          Snapshots (1/s)
        </label>
        <button type="button" class="secondary" onClick={() => setPaused(!paused)} data-testid="live-pause">
          {paused ? "Resume" : "Pause"}
        </button>
      </div>
      {note && (
        <p class="muted" data-testid="live-note">
          {note}
        </p>
      )}
      {mode === "snapshots" && analytic && (
        <p class="muted">Snapshots show the frame without the overlay; the overlay needs the MJPEG view.</p>
      )}
      <div class="live">
        {paused ? (
          <p class="muted" style="color:#fff;padding:1rem">
            Paused.
          </p>
        ) : mode === "mjpeg" ? (
          <img
            key={`${node}/${stream}/${analytic ?? ""}`}
            src={mjpegUrl(node, stream, analytic, height, fps)}
            alt={analytic ? `Live view with the ${analytic} overlay` : "Live view"}
            data-testid="live-mjpeg"
            onError={onMjpegError}
          />
        ) : snapshot ? (
          <img src={snapshot} alt="Current frame" data-testid="live-snapshot" />
        ) : null}
      </div>
      {error && (
        <p class="error" role="alert" data-testid="live-error">
          {error}
        </p>
      )}
    </div>
  );
}
