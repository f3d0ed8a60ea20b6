// Pieces the events, uploads, search and watch-list pages share: pictures
// behind the credentials, times, files as base64, the live events follow.
import { useEffect, useState } from "preact/hooks";
import "./media.css";
import { apiBlob, authHeaders, failure, withQuery } from "./api";

/** An event as `GET /vigil/v1/events` lists it (proto vigil.events.v1.Event). */
export interface VigilEvent {
  id: number;
  stream_id: string;
  node_num: number;
  analytic_id: string;
  sub_analytic: string;
  type: string;
  track_id?: number;
  label: string;
  score: number;
  box: number[];
  time: string;
  created_at: string;
  thumbnail_url: string;
  attributes: Record<string, unknown>;
  primary_text?: string;
  secondary_text?: string;
}

export const ANALYTICS = ["NFV4-FR", "NFV4-LPR3", "NFV4-MPA", "NFV4-MVA", "NFV4-SS"];
export const EVENT_TYPES = [
  "line_in",
  "line_out",
  "area_enter",
  "area_exit",
  "line_count_over",
  "area_occupancy_over",
  "dwell_over",
  "watchlist_match",
  "unknown_face",
  "plate_read",
  "plate_match",
  "object_seen",
  "face_seen",
];

/** A time for people: the browser's local time, to the second. */
export function formatTime(value: string | number): string {
  const date = typeof value === "number" ? new Date(value) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { hour12: false });
}

/** A `datetime-local` input's value as RFC 3339 with a zone ("" stays ""). */
export function localToRfc3339(value: string): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** A file's bytes as base64 (no `data:` prefix). */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error ?? new Error("the file cannot be read"));
    reader.readAsDataURL(file);
  });
}

/** A picture from a route that may need the Bearer token (an event's
 * thumbnail with VIGIL_AUTH_VISIONAIRE on): fetched with the credentials
 * and shown from an object URL, freed when the picture goes. */
export function AuthImage({ src, alt, testid }: { src: string; alt: string; testid?: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!src) return;
    let objectUrl: string | null = null;
    let alive = true;
    apiBlob(src)
      .then((blob) => {
        if (!alive) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => alive && setFailed(true));
    return () => {
      alive = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src]);
  if (!src || failed) return <span class="thumb none">{failed ? "no picture" : "—"}</span>;
  return url ? <img class="thumb" src={url} alt={alt} data-testid={testid} /> : <span class="thumb loading" />;
}

/** A base64 JPEG (smart search's `image_jpeg`) as an image. */
export function Base64Image({ data, alt, testid }: { data: string; alt: string; testid?: string }) {
  if (!data) return <span class="thumb none">—</span>;
  return <img class="thumb" src={`data:image/jpeg;base64,${data}`} alt={alt} data-testid={testid} />;
}

export interface FollowFilter {
  stream_id?: string;
  analytic_id?: string;
  type?: string;
}

/** Follows `GET /vigil/v1/events/live` (server-sent events) with fetch, so
 * the Bearer token goes along (an EventSource cannot send it): `onEvent`
 * for each event, `onState` "live" once the server says it follows.
 * Resolves when the stream ends; throws ApiError on a refusal. */
export async function followEvents(
  filter: FollowFilter,
  afterId: number | null,
  onEvent: (event: VigilEvent) => void,
  onState: (state: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const path = "/vigil/v1/events/live";
  const response = await fetch(withQuery(path, { ...filter, after_id: afterId ?? undefined }), {
    headers: { Accept: "text/event-stream", ...authHeaders(path) },
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          if (line.includes("following")) onState("live");
        } else if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue;
      if (name === "error") throw new Error(`the live feed ended: ${data.join("\n")}`);
      if (name === "event") onEvent(JSON.parse(data.join("\n")) as VigilEvent);
    }
  }
}

/** The streams of node 0 (Visionaire4 `GET /streams/0`), id and name. */
export interface StreamRef {
  stream_id: string;
  stream_name: string;
  stream_custom_data?: Record<string, unknown>;
}
