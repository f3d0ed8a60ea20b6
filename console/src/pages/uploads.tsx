// Uploads: a video sent in Lenz chunks (`POST /api/visionaire-media/0/videos/upload`)
// with a progress bar that survives a page reload: the session id and the
// file's identity are kept in localStorage, and choosing the same file again
// resumes from what the server has (`.../upload/resume/{session_id}`, its
// `missing_chunks`). Then, optionally, an analytic is assigned to the video's
// offline stream and the job's progress is followed from the video's `job` keys.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe } from "../api";
import { formatTime } from "../media";
import { ErrorBox, Notice, useInterval } from "../ui";
import type { PageProps } from "./index";

const NODE = 0;
const BASE = `/api/visionaire-media/${NODE}/videos`;
const SAVED = "vigil.console.upload";
const WATCHED = "vigil.console.upload.video";

/** What survives a reload: the session and the file it is for. */
interface SavedUpload {
  session_id: string;
  video_id: string;
  name: string;
  size: number;
  modified: number;
  chunk_size: number;
  total_chunks: number;
  progress: number;
  analytic: string;
  auto_stream: boolean;
}

interface Receipt {
  session_id: string;
  video_id: string;
  chunks_received: number;
  total_chunks: number;
  progress: number;
  status: string;
}

interface ResumeInfo {
  status: string;
  missing_chunks: number[];
  can_reuse_session: boolean;
  chunks_received: number;
  total_chunks: number;
  progress: number;
}

interface Job {
  state: string;
  progress: number;
  processed_duration: number;
  event_count: number;
  error: string;
  scheduled_for: string;
}

interface Video {
  id: string;
  original_filename: string;
  file_size: number;
  created_at: string;
  status: string;
  duration: number;
  job?: Job;
}

/** Every chunk but the last has this size: a twentieth of the file, at
 * least 16 KiB and at most 8 MiB (so the bar moves, and a reload leaves
 * something to resume, even for a small file). */
export function chunkSize(size: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(16 * 1024, Math.ceil(size / 20)));
}

function loadSaved(): SavedUpload | null {
  try {
    const text = localStorage.getItem(SAVED);
    return text ? (JSON.parse(text) as SavedUpload) : null;
  } catch {
    return null;
  }
}

function save(upload: SavedUpload | null): void {
  if (upload) localStorage.setItem(SAVED, JSON.stringify(upload));
  else localStorage.removeItem(SAVED);
}

function sameFile(saved: SavedUpload, file: File): boolean {
  return saved.name === file.name && saved.size === file.size && saved.modified === file.lastModified;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

async function sendChunk(file: File, saved: SavedUpload | null, index: number, chunk: number, total: number, autoStream: boolean) {
  const form = new FormData();
  form.append("filename", file.name);
  form.append("chunk_index", String(index));
  form.append("total_chunks", String(total));
  form.append("total_size", String(file.size));
  if (saved) form.append("session_id", saved.session_id);
  form.append("file", file.slice(index * chunk, Math.min(file.size, (index + 1) * chunk)), file.name);
  const answer = await api<{ data: Receipt }>(`${BASE}/upload`, {
    method: "POST",
    body: form,
    query: { auto_stream: autoStream },
  });
  return answer.data;
}

/** The video's internal offline stream (`GET /streams/0`, `stream_custom_data.video_id`). */
async function streamOf(videoId: string): Promise<string> {
  const answer = await api<{ streams: { stream_id: string; stream_custom_data?: Record<string, unknown> }[] }>(
    `/streams/${NODE}`,
  );
  const found = (answer.streams ?? []).find((s) => s.stream_custom_data?.video_id === videoId);
  if (!found) throw new Error(`the stream of video ${videoId} is not listed yet`);
  return found.stream_id;
}

export function UploadsPage(_props: PageProps) {
  const [file, setFile] = useState<File | null>(null);
  const [analytic, setAnalytic] = useState("");
  const [autoStream, setAutoStream] = useState(false);
  const [saved, setSaved] = useState<SavedUpload | null>(loadSaved);
  const [progress, setProgress] = useState<number>(saved?.progress ?? 0);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [watched, setWatched] = useState<string | null>(() => localStorage.getItem(WATCHED));
  const [video, setVideo] = useState<Video | null>(null);
  const [videos, setVideos] = useState<Video[]>([]);
  const stop = useRef(false);

  useEffect(
    () => () => {
      stop.current = true;
    },
    [],
  );

  const refreshList = () =>
    api<{ data: { videos: Video[] } }>(BASE, { query: { limit: 50 } })
      .then((answer) => setVideos(answer.data?.videos ?? []))
      .catch((e) => setError(describe(e)));
  useEffect(() => {
    refreshList();
  }, []);

  const refreshWatched = () => {
    if (!watched) return;
    api<{ data: { video: Video } }>(`${BASE}/${watched}`)
      .then((answer) => {
        const job = answer.data.video.job;
        setVideo(answer.data.video);
        if (job && !["idle", "scheduled", "running"].includes(job.state)) refreshList();
      })
      .catch((e) => setError(describe(e)));
  };
  useEffect(refreshWatched, [watched]);
  const running = !!video && !!video.job && ["idle", "scheduled", "running"].includes(video.job.state);
  useInterval(refreshWatched, 1000, !!watched && (running || !video));
  useInterval(refreshList, 3000, !busy);

  const watch = (videoId: string | null) => {
    if (videoId) localStorage.setItem(WATCHED, videoId);
    else localStorage.removeItem(WATCHED);
    setVideo(null);
    setWatched(videoId);
  };

  const start = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    stop.current = false;
    try {
      let current = saved && sameFile(saved, file) ? saved : null;
      let todo: number[];
      const chunk = current ? current.chunk_size : chunkSize(file.size);
      const total = current ? current.total_chunks : Math.max(1, Math.ceil(file.size / chunk));
      if (current) {
        // Resume from what the server holds, not from what this page thought.
        const info = (await api<{ data: ResumeInfo }>(`${BASE}/upload/resume/${current.session_id}`)).data;
        if (info.can_reuse_session) {
          todo = info.missing_chunks;
          setProgress(info.progress);
          setMessage(`Resuming: the server has ${info.chunks_received} of ${info.total_chunks} chunks.`);
        } else {
          current = null;
          todo = Array.from({ length: total }, (_, i) => i);
        }
      } else {
        todo = Array.from({ length: total }, (_, i) => i);
      }
      const chosen = current ? current.analytic : analytic;
      const stream = current ? current.auto_stream : autoStream;
      let receipt: Receipt | null = null;
      for (const index of todo) {
        if (stop.current) return;
        receipt = await sendChunk(file, current, index, chunk, total, stream);
        current = {
          session_id: receipt.session_id,
          video_id: receipt.video_id,
          name: file.name,
          size: file.size,
          modified: file.lastModified,
          chunk_size: chunk,
          total_chunks: total,
          progress: receipt.progress,
          analytic: chosen,
          auto_stream: stream,
        };
        save(current);
        setSaved(current);
        setProgress(receipt.progress);
      }
      if (!current) return;
      const videoId = current.video_id;
      if (receipt === null) {
        // Every chunk was already there: ask how the session ended.
        const status = (await api<{ data: Receipt }>(`${BASE}/upload/status/${current.session_id}`)).data;
        setProgress(status.progress);
      }
      save(null);
      setSaved(null);
      setProgress(100);
      setMessage(`Uploaded ${file.name} (video ${videoId}).`);
      if (chosen) {
        const streamId = await streamOf(videoId);
        await api(`/api/visionaire/pipeline/node-${String(NODE).padStart(3, "0")}/${streamId}/${chosen}`, {
          method: "POST",
          body: {},
        });
        setMessage(`Uploaded ${file.name}; ${chosen} is assigned and the analysis job is scheduled.`);
      }
      watch(videoId);
      refreshList();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const forget = async () => {
    if (saved) {
      try {
        await api(`${BASE}/upload/cancel/${saved.session_id}`, { method: "POST" });
      } catch {
        // already finished or gone: nothing to cancel
      }
    }
    save(null);
    setSaved(null);
    setProgress(0);
  };

  const resumable = saved && (!file || sameFile(saved, file));
  const job = video?.job;
  return (
    <section data-testid="page-uploads">
      <h1>Uploads</h1>
      <div class="card">
        <h2>Upload a video</h2>
        {saved && !busy && (
          <p class="notice" role="status" data-testid="upload-resume">
            The upload of <strong>{saved.name}</strong> ({sizeText(saved.size)}) stopped at {saved.progress.toFixed(0)} %.
            Choose the same file to resume it.{" "}
            <button type="button" class="secondary" data-testid="upload-forget" onClick={forget}>
              Cancel it
            </button>
          </p>
        )}
        <label for="upload-file">Video file</label>
        <input
          id="upload-file"
          type="file"
          accept="video/*,.mp4,.mkv,.avi,.mov,.ts"
          data-testid="upload-file"
          disabled={busy}
          onChange={(e) => {
            const chosen = (e.target as HTMLInputElement).files?.[0] ?? null;
            setFile(chosen);
            if (chosen && saved && !sameFile(saved, chosen)) setProgress(0);
            else if (chosen && saved) setProgress(saved.progress);
          }}
        />
        <label for="upload-analytic">Analyse after upload with</label>
        <select
          id="upload-analytic"
          data-testid="upload-analytic"
          value={resumable && saved ? saved.analytic : analytic}
          disabled={busy || !!resumable}
          onChange={(e) => setAnalytic((e.target as HTMLSelectElement).value)}
        >
          <option value="">nothing (upload only)</option>
          <option value="NFV4-MPA">people counting (NFV4-MPA)</option>
          <option value="NFV4-MVA">vehicle counting (NFV4-MVA)</option>
        </select>
        <label class="inline">
          <input
            type="checkbox"
            data-testid="upload-auto-stream"
            checked={resumable && saved ? saved.auto_stream : autoStream}
            disabled={busy || !!resumable}
            onChange={(e) => setAutoStream((e.target as HTMLInputElement).checked)}
          />
          Publish it over RTSP (auto_stream)
        </label>
        <div class="actions">
          <button type="button" data-testid="upload-start" disabled={!file || busy} onClick={start}>
            {file && resumable ? "Resume upload" : "Upload"}
          </button>
          {busy && (
            <button
              type="button"
              class="secondary"
              data-testid="upload-pause"
              onClick={() => {
                stop.current = true;
              }}
            >
              Pause
            </button>
          )}
        </div>
        <div class="progress-row">
          <progress max={100} value={progress} data-testid="upload-progress" aria-label="upload progress" />
          <span data-testid="upload-percent">{progress.toFixed(0)} %</span>
        </div>
        {message && <Notice testid="upload-message">{message}</Notice>}
        <ErrorBox message={error} testid="upload-error" />
      </div>

      {watched && (
        <div class="card" data-testid="job">
          <h2>Analysis of {video?.original_filename ?? watched}</h2>
          {job ? (
            <>
              <p>
                Job: <span class={`state ${job.state}`} data-testid="job-state">{job.state}</span>
                {job.scheduled_for ? <span class="muted"> (due {formatTime(job.scheduled_for)})</span> : null}
              </p>
              <div class="progress-row">
                <progress max={100} value={job.progress} data-testid="job-progress" aria-label="analysis progress" />
                <span data-testid="job-percent">{job.progress.toFixed(0)} %</span>
              </div>
              <p class="muted small">
                {job.processed_duration.toFixed(1)} s of {video?.duration.toFixed(1)} s analysed ·{" "}
                <span data-testid="job-events">{job.event_count}</span> events
              </p>
              {job.error && <p class="error">{job.error}</p>}
            </>
          ) : (
            <p class="muted">Loading…</p>
          )}
          <div class="actions">
            <a href={`#/events`}>Events</a>
            <button type="button" class="secondary" onClick={() => watch(null)}>
              Close
            </button>
          </div>
        </div>
      )}

      <h2>Videos</h2>
      <div class="table-wrap">
        <table data-testid="videos">
          <thead>
            <tr>
              <th>File</th>
              <th>Size</th>
              <th>Uploaded</th>
              <th>Job</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {videos.map((v) => (
              <tr key={v.id} data-testid="video-row">
                <td>{v.original_filename}</td>
                <td>{sizeText(v.file_size)}</td>
                <td>{formatTime(v.created_at)}</td>
                <td>
                  {v.job ? (
                    <span class={`state ${v.job.state}`}>
                      {v.job.state} {v.job.progress ? `${v.job.progress.toFixed(0)} %` : ""}
                    </span>
                  ) : null}
                </td>
                <td>
                  <button type="button" class="secondary" onClick={() => watch(v.id)}>
                    Show job
                  </button>
                </td>
              </tr>
            ))}
            {videos.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">
                  No videos yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
