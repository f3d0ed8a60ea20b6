// Events: the live feed of `/vigil/v1/events` (the newest page, then
// `/vigil/v1/events/live` followed from its newest id) with thumbnails and
// filters by stream, analytic, type and time; and line counts in and out
// over time as a uPlot chart (line_in / line_out events, bucketed).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, describe } from "../api";
import {
  ANALYTICS,
  AuthImage,
  EVENT_TYPES,
  type StreamRef,
  type VigilEvent,
  followEvents,
  formatTime,
  localToRfc3339,
} from "../media";
import { ErrorBox, TimeField } from "../ui";
import type { PageProps } from "./index";

interface Filter {
  stream_id: string;
  analytic_id: string;
  type: string;
  since: string; // datetime-local text
  until: string;
}

interface EventPage {
  events: VigilEvent[];
  next_page_token: string;
}

const EMPTY: Filter = { stream_id: "", analytic_id: "", type: "", since: "", until: "" };
const FEED_MAX = 200;

function listQuery(filter: Filter) {
  return {
    stream_id: filter.stream_id,
    analytic_id: filter.analytic_id,
    type: filter.type,
    since: localToRfc3339(filter.since),
    until: localToRfc3339(filter.until),
  };
}

export function EventsPage({ query }: PageProps) {
  const initial: Filter = { ...EMPTY, stream_id: query.get("stream_id") ?? "" };
  const [draft, setDraft] = useState<Filter>(initial);
  const [filter, setFilter] = useState<Filter>(initial);
  const [streams, setStreams] = useState<StreamRef[]>([]);
  const [events, setEvents] = useState<VigilEvent[]>([]);
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [liveState, setLiveState] = useState("off");
  const [lineTick, setLineTick] = useState(0);

  useEffect(() => {
    api<{ streams: StreamRef[] }>("/streams/0")
      .then((answer) => setStreams(answer.streams ?? []))
      .catch(() => setStreams([]));
  }, []);

  // The newest page for the filter, then the live follow from its newest id
  // (only when the filter has no upper time bound: "until" is history).
  useEffect(() => {
    const abort = new AbortController();
    let stopped = false;
    setError(null);
    setEvents([]);
    setNext("");
    const run = async () => {
      let lastId: number | null = null;
      try {
        const page = await api<EventPage>("/vigil/v1/events", {
          query: { ...listQuery(filter), page_size: 50 },
          signal: abort.signal,
        });
        if (stopped) return;
        setEvents(page.events);
        setNext(page.next_page_token);
        lastId = page.events.length ? page.events[0].id : null;
      } catch (e) {
        if (!stopped) setError(describe(e));
        return;
      }
      if (!live || filter.until) {
        setLiveState("off");
        return;
      }
      const follow = { stream_id: filter.stream_id, analytic_id: filter.analytic_id, type: filter.type };
      const since = localToRfc3339(filter.since);
      while (!stopped) {
        setLiveState("connecting");
        try {
          await followEvents(
            follow,
            lastId,
            (event) => {
              lastId = Math.max(lastId ?? 0, event.id);
              if (since && event.time < since) return;
              setEvents((old) => (old.some((e) => e.id === event.id) ? old : [event, ...old].slice(0, FEED_MAX)));
              if (event.type === "line_in" || event.type === "line_out") setLineTick((t) => t + 1);
            },
            setLiveState,
            abort.signal,
          );
        } catch (e) {
          if (stopped) return;
          setError(describe(e));
        }
        if (stopped) return;
        setLiveState("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    };
    run();
    return () => {
      stopped = true;
      abort.abort();
    };
  }, [filter, live]);

  const older = async () => {
    try {
      const page = await api<EventPage>("/vigil/v1/events", {
        query: { ...listQuery(filter), page_size: 50, page_token: next },
      });
      setEvents((old) => [...old, ...page.events.filter((e) => !old.some((o) => o.id === e.id))]);
      setNext(page.next_page_token);
    } catch (e) {
      setError(describe(e));
    }
  };

  const set = (key: keyof Filter) => (event: Event) =>
    setDraft({ ...draft, [key]: (event.target as HTMLInputElement | HTMLSelectElement).value });

  return (
    <section data-testid="page-events">
      <h1>Events</h1>
      <form
        class="card filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ ...draft });
        }}
      >
        <div class="filter-grid">
          <div>
            <label for="ev-stream">Stream</label>
            <select id="ev-stream" data-testid="events-filter-stream" value={draft.stream_id} onChange={set("stream_id")}>
              <option value="">all streams</option>
              {streams.map((s) => (
                <option key={s.stream_id} value={s.stream_id}>
                  {s.stream_name || s.stream_id}
                </option>
              ))}
              {draft.stream_id && !streams.some((s) => s.stream_id === draft.stream_id) && (
                <option value={draft.stream_id}>{draft.stream_id}</option>
              )}
            </select>
          </div>
          <div>
            <label for="ev-analytic">Analytic</label>
            <select
              id="ev-analytic"
              data-testid="events-filter-analytic"
              value={draft.analytic_id}
              onChange={set("analytic_id")}
            >
              <option value="">all analytics</option>
              {ANALYTICS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="ev-type">Type</label>
            <select id="ev-type" data-testid="events-filter-type" value={draft.type} onChange={set("type")}>
              <option value="">all types</option>
              {EVENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <TimeField id="ev-since" label="From" testid="events-filter-since" value={draft.since} onInput={set("since")} />
          <TimeField id="ev-until" label="Until" testid="events-filter-until" value={draft.until} onInput={set("until")} />
        </div>
        <div class="actions">
          <button type="submit" data-testid="events-apply">
            Apply filters
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilter(EMPTY);
            }}
          >
            Clear
          </button>
          <button
            type="button"
            class="secondary"
            data-testid="events-live-toggle"
            aria-pressed={live}
            onClick={() => setLive(!live)}
          >
            {live ? "Pause live feed" : "Follow live"}
          </button>
          <span class={`state ${liveState === "live" ? "running" : ""}`} data-testid="events-live-state" aria-live="polite">
            {filter.until ? "history (until is set)" : liveState}
          </span>
        </div>
      </form>
      <ErrorBox message={error} testid="events-error" />
      <LineChart filter={filter} tick={lineTick} />
      <h2>Feed</h2>
      {events.length === 0 ? (
        <p class="muted" data-testid="events-empty">
          No events match.
        </p>
      ) : (
        <ul class="feed" data-testid="events-feed">
          {events.map((e) => (
            <li key={e.id} class="feed-item" data-testid="event-row" data-event-id={e.id} data-type={e.type}>
              <AuthImage src={e.thumbnail_url} alt={`${e.type} on ${e.stream_id}`} testid="event-thumbnail" />
              <div class="feed-text">
                <strong>{e.type}</strong>
                {e.primary_text ? <span class="badge">{e.primary_text}</span> : null}
                {e.label ? <span class="muted"> {e.label}</span> : null}
                <div class="muted small">
                  <time dateTime={e.time}>{formatTime(e.time)}</time> · {e.analytic_id}
                  {e.sub_analytic ? `/${e.sub_analytic}` : ""} · stream <code>{e.stream_id}</code>
                  {e.score ? ` · score ${e.score.toFixed(2)}` : ""}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <div class="actions">
          <button type="button" class="secondary" data-testid="events-older" onClick={older}>
            Older events
          </button>
        </div>
      )}
    </section>
  );
}

const BUCKETS = [10, 30, 60, 300, 900, 3600, 6 * 3600, 86400];

/** Every event of a type in the filter's window (at most 5 pages of 1000). */
async function lineEvents(filter: Filter, type: string, since: string, until: string): Promise<VigilEvent[]> {
  const found: VigilEvent[] = [];
  let token = "";
  for (let page = 0; page < 5; page++) {
    const answer = await api<EventPage>("/vigil/v1/events", {
      query: { stream_id: filter.stream_id, analytic_id: filter.analytic_id, type, since, until, page_size: 1000, page_token: token },
    });
    found.push(...answer.events);
    token = answer.next_page_token;
    if (!token) break;
  }
  return found;
}

/** Line counts in and out over the filter's window (the last hour when it
 * has no start), bucketed; redrawn when a line event arrives live. */
function LineChart({ filter, tick }: { filter: Filter; tick: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [totals, setTotals] = useState<{ in: number; out: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [debounced, setDebounced] = useState(tick);

  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(tick), 1000);
    return () => window.clearTimeout(id);
  }, [tick]);

  useEffect(() => {
    let alive = true;
    const untilMs = filter.until ? new Date(filter.until).getTime() : Date.now();
    const sinceMs = filter.since ? new Date(filter.since).getTime() : untilMs - 3600_000;
    const since = new Date(sinceMs).toISOString();
    const until = filter.until ? new Date(untilMs).toISOString() : "";
    const wanted = filter.type && filter.type !== "line_in" && filter.type !== "line_out" ? [] : ["line_in", "line_out"];
    Promise.all(
      ["line_in", "line_out"].map((t) =>
        wanted.includes(t) && (!filter.type || filter.type === t) ? lineEvents(filter, t, since, until) : Promise.resolve([]),
      ),
    )
      .then(([ins, outs]) => {
        if (!alive) return;
        setError(null);
        setTotals({ in: ins.length, out: outs.length });
        const span = Math.max(1, (untilMs - sinceMs) / 1000);
        const bucket = BUCKETS.find((b) => span / b <= 60) ?? 86400;
        const start = Math.floor(sinceMs / 1000 / bucket) * bucket;
        const count = Math.max(1, Math.ceil((untilMs / 1000 - start) / bucket));
        const xs = Array.from({ length: count }, (_, i) => start + i * bucket);
        const tally = (list: VigilEvent[]) => {
          const ys = new Array<number>(count).fill(0);
          for (const e of list) {
            const i = Math.floor((new Date(e.time).getTime() / 1000 - start) / bucket);
            if (i >= 0 && i < count) ys[i] += 1;
          }
          return ys;
        };
        const data: uPlot.AlignedData = [xs, tally(ins), tally(outs)];
        const width = Math.max(280, (box.current?.clientWidth ?? 600) - 4);
        if (plot.current) {
          plot.current.setData(data);
          plot.current.setSize({ width, height: 220 });
        } else if (box.current) {
          plot.current = new uPlot(
            {
              width,
              height: 220,
              scales: { x: { time: true } },
              series: [
                {},
                { label: "in", stroke: "#1e7f3a", width: 2, fill: "rgba(30,127,58,0.08)" },
                { label: "out", stroke: "#b3261e", width: 2, fill: "rgba(179,38,30,0.08)" },
              ],
              axes: [{}, { label: `per ${bucket >= 60 ? `${bucket / 60} min` : `${bucket} s`}` }],
            },
            data,
            box.current,
          );
        }
      })
      .catch((e) => alive && setError(describe(e)));
    return () => {
      alive = false;
    };
  }, [filter, debounced]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return (
    <div class="card" data-testid="events-chart">
      <h2>Line counts</h2>
      <p class="muted small">
        Crossings of counting lines per time bucket ({filter.since ? "the chosen window" : "the last hour"}).
      </p>
      <p>
        In: <strong data-testid="count-in">{totals ? totals.in : "…"}</strong> · Out:{" "}
        <strong data-testid="count-out">{totals ? totals.out : "…"}</strong>
      </p>
      <ErrorBox message={error} testid="events-chart-error" />
      <div ref={box} class="chart" />
    </div>
  );
}
