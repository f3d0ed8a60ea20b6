// The live view of a stream: the engine's MJPEG (`/mjpeg/{node}/{stream}`,
// or `/mjpeg/{node}/{stream}/{analytic}` with an analytic's overlay), read
// with fetch so the stored Bearer token goes along (an <img src> could not
// send it when VIGIL_AUTH_VISIONAIRE=true), each part shown as it arrives;
// or the current frame (`/stream_jpeg/{node}/{stream}`) every second. When
// the MJPEG route refuses (an analytic that draws no overlay: 501), the view
// says why and falls back to snapshots.
import { useEffect, useRef, useState } from "preact/hooks";
import { apiBlob, authHeaders, describe, failure } from "./api";

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

/** Reads a `multipart/x-mixed-replace; boundary=frame` answer (each part
 * with its Content-Length, README "Live views") and calls `onJpeg` with each
 * part's bytes until the answer ends or `signal` aborts. */
export async function readMjpeg(response: Response, onJpeg: (jpeg: Uint8Array<ArrayBuffer>) => void): Promise<void> {
  const reader = response.body!.getReader();
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  const append = (chunk: Uint8Array) => {
    const next = new Uint8Array(buffer.length + chunk.length);
    next.set(buffer);
    next.set(chunk, buffer.length);
    buffer = next;
  };
  const headEnd = () => {
    for (let i = 0; i + 3 < buffer.length; i++) {
      if (buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 && buffer[i + 3] === 10) return i;
    }
    return -1;
  };
  const decoder = new TextDecoder();
  let need: number | null = null;
  for (;;) {
    if (need === null) {
      const end = headEnd();
      if (end >= 0) {
        const head = decoder.decode(buffer.subarray(0, end));
        const match = /content-length:\s*(\d+)/i.exec(head);
        if (!match) throw new Error("an MJPEG part came without its length");
        need = Number(match[1]);
        buffer = buffer.slice(end + 4);
        continue;
      }
    } else if (buffer.length >= need + 2) {
      onJpeg(buffer.slice(0, need));
      buffer = buffer.slice(need + 2);
      need = null;
      continue;
    }
    const { value, done } = await reader.read();
    if (done) return;
    append(value);
  }
}

export function LiveView({ node, stream, analytic, height = 480, fps = 10 }: LiveViewProps) {
  const [mode, setMode] = useState<LiveMode>("mjpeg");
  const [note, setNote] = useState<string | null>(null);
  const [frame, setFrame] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const current = useRef<string | null>(null);

  const show = (url: string) => {
    if (current.current) URL.revokeObjectURL(current.current);
    current.current = url;
    setFrame(url);
  };

  useEffect(() => {
    setMode("mjpeg");
    setNote(null);
    setError(null);
  }, [node, stream, analytic]);

  // The MJPEG, read part by part with the credentials.
  useEffect(() => {
    if (mode !== "mjpeg" || paused) return;
    const abort = new AbortController();
    const url = mjpegUrl(node, stream, analytic, height, fps);
    (async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "*/*", ...authHeaders(url) }, signal: abort.signal });
        if (!response.ok) {
          setNote(`MJPEG: ${(await failure(response)).message}. Showing the current frame every second instead.`);
          setMode("snapshots");
          return;
        }
        setError(null);
        await readMjpeg(response, (jpeg) => show(URL.createObjectURL(new Blob([jpeg], { type: "image/jpeg" }))));
        if (!abort.signal.aborted) setError("the live view ended");
      } catch (e) {
        if (!abort.signal.aborted) setError(describe(e));
      }
    })();
    return () => abort.abort();
  }, [mode, paused, node, stream, analytic, height, fps]);

  // Snapshots: the current frame every second.
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
        show(url);
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
          MJPEG ({fps} fps)
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
        ) : frame ? (
          <img
            src={frame}
            alt={mode === "mjpeg" && analytic ? `Live view with the ${analytic} overlay` : mode === "mjpeg" ? "Live view" : "Current frame"}
            data-testid={mode === "mjpeg" ? "live-mjpeg" : "live-snapshot"}
          />
        ) : (
          <p class="muted" style="color:#fff;padding:1rem">
            Waiting for a frame…
          </p>
        )}
      </div>
      {error && (
        <p class="error" role="alert" data-testid="live-error">
          {error}
        </p>
      )}
    </div>
  );
}
