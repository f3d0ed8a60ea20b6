// Analytics: the catalog (`GET /analytic_list`: what is offered while its
// models are loaded, seats, models), what runs on which stream, and the
// assignment editor (`#/analytics/{node}/{stream}/{analytic}`): a form made
// from the analytic's JSON Schema (`GET /v2/config/pipeline/{id}`) with its
// counting lines and areas drawn on a current frame, saved with
// `POST`/`PUT /api/visionaire/pipeline/{node}/{stream}/{analytic}` and
// removed with `DELETE`.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, describe } from "../api";
import { FrameCanvas, type Layer, type Point, type Shape } from "../draw";
import { LiveView } from "../live";
import {
  ObjectFields,
  PointsField,
  ScalarField,
  isShapeArray,
  label,
  shapeKind,
  subAnalytics,
  withDefaults,
  type Json,
  type Schema,
} from "../schemaform";
import { getStream, listStreams, streamLabel, type Stream } from "../streams";
import { ErrorBox, Loading, Notice, useAsync } from "../ui";
import type { PageProps } from "./index";

interface Analytic {
  id: string;
  name: string;
  description: string;
  type: string;
  major_version: number;
  minor_version: number;
  seats: { serial_number: string; active_status: boolean }[];
  models: string[];
}

async function catalog(): Promise<Analytic[]> {
  const answer = await api<{ analytics: Analytic[] }>("/analytic_list");
  return answer.analytics ?? [];
}

function pipelinePath(node: number, stream: string, analytic: string): string {
  return `/api/visionaire/pipeline/${node}/${encodeURIComponent(stream)}/${encodeURIComponent(analytic)}`;
}

export function AnalyticsPage({ rest }: PageProps) {
  if (rest.length >= 3) return <Assignment node={Number(rest[0])} stream={rest[1]} analytic={rest[2]} />;
  return <Catalog node={rest.length >= 2 ? Number(rest[0]) : undefined} stream={rest[1]} />;
}

function Catalog({ node, stream }: { node?: number; stream?: string }) {
  const analytics = useAsync(catalog);
  const streams = useAsync(listStreams);
  const [details, setDetails] = useState<Record<string, string[]>>({});
  const [chosenStream, setChosenStream] = useState(stream ? `${node}/${stream}` : "");
  const [chosenAnalytic, setChosenAnalytic] = useState("");

  useEffect(() => {
    if (!streams.data) return;
    let alive = true;
    Promise.allSettled(streams.data.map((s) => getStream(s.stream_node_num, s.stream_id))).then((all) => {
      if (!alive) return;
      const map: Record<string, string[]> = {};
      all.forEach((r, i) => {
        if (r.status === "fulfilled") map[streams.data![i].stream_id] = r.value.pipelines;
      });
      setDetails(map);
    });
    return () => {
      alive = false;
    };
  }, [streams.data]);

  const assign = (event: Event) => {
    event.preventDefault();
    if (!chosenStream || !chosenAnalytic) return;
    const [n, id] = chosenStream.split("/");
    location.hash = `#/analytics/${n}/${encodeURIComponent(id)}/${encodeURIComponent(chosenAnalytic)}`;
  };

  const streamById = (id: string): Stream | undefined => streams.data?.find((s) => s.stream_id === id);
  return (
    <section data-testid="page-analytics">
      <h1>Analytics</h1>
      <form class="card" onSubmit={assign} data-testid="assign-form">
        <h2 style="margin-top:0">Assign an analytic to a stream</h2>
        <div class="grid">
          <div>
            <label for="assign-stream">Stream</label>
            <select
              id="assign-stream"
              data-testid="assign-stream"
              value={chosenStream}
              onChange={(e) => setChosenStream((e.target as HTMLSelectElement).value)}
            >
              <option value="">Choose a stream</option>
              {(streams.data ?? []).map((s) => (
                <option key={s.stream_id} value={`${s.stream_node_num}/${s.stream_id}`}>
                  {streamLabel(s)} (node {s.stream_node_num})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="assign-analytic">Analytic</label>
            <select
              id="assign-analytic"
              data-testid="assign-analytic"
              value={chosenAnalytic}
              onChange={(e) => setChosenAnalytic((e.target as HTMLSelectElement).value)}
            >
              <option value="">Choose an analytic</option>
              {(analytics.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="actions">
          <button type="submit" data-testid="assign-open" disabled={!chosenStream || !chosenAnalytic}>
            Configure
          </button>
        </div>
      </form>
      <ErrorBox message={streams.error} testid="streams-error" />

      <h2>Running on streams</h2>
      {streams.data && streams.data.length === 0 && <p class="muted">No streams yet.</p>}
      {streams.data && streams.data.length > 0 && (
        <div class="table-wrap">
          <table data-testid="assignments-table">
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Analytics</th>
              </tr>
            </thead>
            <tbody>
              {streams.data.map((s) => (
                <tr key={s.stream_id} data-testid={`assignments-${s.stream_id}`}>
                  <td>
                    <a href={`#/streams/${s.stream_node_num}/${encodeURIComponent(s.stream_id)}`}>{streamLabel(s)}</a>
                  </td>
                  <td>
                    {(details[s.stream_id] ?? []).length === 0
                      ? "none"
                      : details[s.stream_id].map((a, i) => (
                          <Fragment key={a}>
                            {i > 0 && ", "}
                            <a
                              href={`#/analytics/${s.stream_node_num}/${encodeURIComponent(s.stream_id)}/${encodeURIComponent(a)}`}
                              data-testid="assignment-link"
                            >
                              {a}
                            </a>
                          </Fragment>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stream && !streamById(stream) && streams.data && <p class="error">No stream {stream}.</p>}

      <h2>Catalog</h2>
      <ErrorBox message={analytics.error} testid="catalog-error" />
      <Loading when={analytics.loading && !analytics.data} />
      {analytics.data && analytics.data.length === 0 && (
        <p class="muted">No analytic is offered: their models are not loaded in the inference service.</p>
      )}
      <div class="grid" data-testid="catalog">
        {(analytics.data ?? []).map((a) => {
          const used = a.seats.filter((s) => s.active_status).length;
          return (
            <article class="card" key={a.id} data-testid={`catalog-${a.id}`}>
              <h3 style="margin-top:0">
                {a.name} <span class="muted">({a.id})</span>
              </h3>
              <p>{a.description}</p>
              <dl class="kv">
                <dt>Version</dt>
                <dd>
                  {a.major_version}.{a.minor_version}
                </dd>
                <dt>Seats in use</dt>
                <dd data-testid="catalog-seats">
                  {used} of {a.seats.length}
                </dd>
                <dt>Models</dt>
                <dd>{a.models.join(", ")}</dd>
              </dl>
            </article>
          );
        })}
      </div>
    </section>
  );
}

const COLORS = ["#1fd1ff", "#ff5cc8", "#7dff6b", "#ffa23a"];

/** Where a shape array sits in the config: top-level `areas`, or `sub_analytics[name].areas`. */
interface ShapeSlot {
  id: string;
  title: string;
  schema: Schema;
  kind: "line" | "area";
  get: (config: Json) => Shape[];
  set: (config: Json, shapes: Shape[]) => Json;
}

function shapeSlots(schema: Schema): ShapeSlot[] {
  const slots: ShapeSlot[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    if (isShapeArray(s)) {
      slots.push({
        id: key,
        title: label(key, s),
        schema: s,
        kind: shapeKind(s),
        get: (c) => (c?.[key] as Shape[]) ?? [],
        set: (c, shapes) => ({ ...c, [key]: shapes }),
      });
    }
    for (const sub of subAnalytics(s)) {
      for (const [subKey, subSchema] of Object.entries(sub.schema.properties ?? {})) {
        if (!isShapeArray(subSchema)) continue;
        const find = (c: Json): Json | undefined => ((c?.[key] as Json[]) ?? []).find((e: Json) => e?.name === sub.name);
        slots.push({
          id: `${key}.${sub.name}.${subKey}`,
          title: `${label(sub.name, sub.schema)}: ${label(subKey, subSchema)}`,
          schema: subSchema,
          kind: shapeKind(subSchema),
          get: (c) => (find(c)?.[subKey] as Shape[]) ?? [],
          set: (c, shapes) => ({
            ...c,
            [key]: ((c?.[key] as Json[]) ?? []).map((e: Json) => (e?.name === sub.name ? { ...e, [subKey]: shapes } : e)),
          }),
        });
      }
    }
  }
  return slots;
}

function Assignment({ node, stream, analytic }: { node: number; stream: string; analytic: string }) {
  const schema = useAsync(() => api<Schema>(`/v2/config/pipeline/${encodeURIComponent(analytic)}`), [analytic]);
  const streamInfo = useAsync(() => getStream(node, stream), [node, stream]);
  const [config, setConfig] = useState<Json | null>(null);
  const [assigned, setAssigned] = useState<boolean | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [drawing, setDrawing] = useState<{ slot: string; shape: Shape } | null>(null);
  const [selected, setSelected] = useState<{ slot: string; index: number } | null>(null);
  const [showLive, setShowLive] = useState(false);

  const load = async () => {
    setLoadError(null);
    try {
      // The stream's detail says whether it is assigned: no 404 to ask for.
      const detail = await getStream(node, stream);
      if (!detail.pipelines.includes(analytic)) {
        setAssigned(false);
        setConfig(null);
        return;
      }
      const answer = await api<{ config: Json }>(pipelinePath(node, stream, analytic));
      setConfig(answer.config ?? {});
      setAssigned(true);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && /not assigned/.test(e.message)) {
        setAssigned(false);
        setConfig(null);
      } else {
        setLoadError(describe(e));
      }
    }
  };
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [node, stream, analytic]);
  useEffect(() => {
    if (assigned === false && schema.data && config === null) setConfig(withDefaults(schema.data, {}));
  }, [assigned, schema.data, config]);

  const slots = schema.data ? shapeSlots(schema.data) : [];
  const layers: Layer[] = config
    ? slots.map((slot, i) => ({ shapes: slot.get(config), kind: slot.kind, color: COLORS[i % COLORS.length] }))
    : [];
  const drawingSlot = drawing ? slots.find((s) => s.id === drawing.slot) : undefined;

  const save = async () => {
    if (!config) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await api(pipelinePath(node, stream, analytic), { method: assigned ? "PUT" : "POST", body: config });
      setMessage(assigned ? `${analytic} updated on ${streamLabel(streamInfo.data ?? { stream_id: stream, stream_name: "" })}` : `${analytic} assigned`);
      setAssigned(true);
      await load();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(pipelinePath(node, stream, analytic), { method: "DELETE" });
      setMessage(`${analytic} removed from the stream`);
      setAssigned(false);
      setConfig(null);
      setConfirmRemove(false);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const startDrawing = (slot: ShapeSlot) => {
    const count = slot.get(config).length + 1;
    const base: Shape = { name: `${slot.kind === "line" ? "line" : "area"} ${count}`, points: [] };
    const direction = slot.schema.items?.properties?.direction;
    if (direction) base.direction = (direction.default as string) ?? "both";
    setSelected(null);
    setDrawing({ slot: slot.id, shape: base });
  };
  const finishDrawing = () => {
    if (!drawing || !drawingSlot) return;
    const min = drawingSlot.schema.items?.properties?.points?.minItems ?? 2;
    if (drawing.shape.points.length < min) {
      setError(`a ${drawingSlot.kind} needs at least ${min} points`);
      return;
    }
    const shapes = [...drawingSlot.get(config), drawing.shape];
    setConfig(drawingSlot.set(config, shapes));
    setSelected({ slot: drawingSlot.id, index: shapes.length - 1 });
    setDrawing(null);
    setError(null);
  };
  const addPoint = (p: Point) => {
    if (!drawing || !drawingSlot) return;
    const max = drawingSlot.schema.items?.properties?.points?.maxItems ?? 64;
    if (drawing.shape.points.length >= max) return;
    setDrawing({ ...drawing, shape: { ...drawing.shape, points: [...drawing.shape.points, p] } });
  };

  const s = streamInfo.data;
  return (
    <section data-testid="page-assignment">
      <p>
        <a href="#/analytics">← Analytics</a>
      </p>
      <h1>
        {analytic} on {s ? streamLabel(s) : stream}
      </h1>
      <p class="muted" data-testid="assignment-state">
        {assigned === null ? "Loading…" : assigned ? "Assigned: edit its settings, lines and areas." : "Not assigned yet: set it up and assign it."}
      </p>
      <ErrorBox message={loadError ?? schema.error ?? streamInfo.error} testid="assignment-load-error" />
      {message && <Notice testid="assignment-message">{message}</Notice>}
      {schema.data && config && (
        <>
          <div class="card">
            <h2 style="margin-top:0">Lines and areas</h2>
            <p class="muted">
              Choose what to draw, click points on the frame, then finish. Points are stored normalised to the frame (0..1).
              {slots.some((sl) => sl.kind === "line") &&
                ' A line counts crossings by direction: "in" is from the left of the line to its right walking from its first point to its last (arrows show what counts).'}
            </p>
            <FrameCanvas
              node={node}
              stream={stream}
              layers={layers}
              drawing={drawing && drawingSlot ? { shape: drawing.shape, kind: drawingSlot.kind } : null}
              selected={selected ? { layer: slots.findIndex((sl) => sl.id === selected.slot), index: selected.index } : null}
              onPoint={addPoint}
            />
            {drawing && drawingSlot && (
              <div class="actions" data-testid="drawing-controls">
                <span>
                  Drawing a {drawingSlot.kind} in {drawingSlot.title}: {drawing.shape.points.length} point(s)
                </span>
                <button type="button" onClick={finishDrawing} data-testid="drawing-finish">
                  Finish
                </button>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setDrawing({ ...drawing, shape: { ...drawing.shape, points: drawing.shape.points.slice(0, -1) } })}
                  data-testid="drawing-undo"
                >
                  Undo point
                </button>
                <button type="button" class="secondary" onClick={() => setDrawing(null)} data-testid="drawing-cancel">
                  Cancel
                </button>
              </div>
            )}
            {slots.map((slot, si) => (
              <ShapeList
                key={slot.id}
                slot={slot}
                color={COLORS[si % COLORS.length]}
                shapes={slot.get(config)}
                disabled={drawing !== null || !slotActive(slot, config)}
                selected={selected?.slot === slot.id ? selected.index : null}
                onSelect={(index) => setSelected(index === null ? null : { slot: slot.id, index })}
                onChange={(shapes) => setConfig(slot.set(config, shapes))}
                onDraw={() => startDrawing(slot)}
              />
            ))}
          </div>
          <div class="card">
            <h2 style="margin-top:0">Settings</h2>
            <ObjectFields
              schema={schema.data}
              value={config}
              path={[]}
              onChange={setConfig}
              renderShapes={() => null}
              renderSubAnalytics={(key, subSchema, value, set) => (
                <SubAnalytics key={key} name={key} schema={subSchema} value={value} onChange={set} />
              )}
            />
          </div>
          <ErrorBox message={error} testid="assignment-error" />
          <div class="actions">
            <button type="button" onClick={save} disabled={busy || drawing !== null} data-testid="assignment-save">
              {assigned ? "Save" : "Assign"}
            </button>
            {assigned &&
              (confirmRemove ? (
                <>
                  <button type="button" class="danger" onClick={remove} disabled={busy} data-testid="assignment-remove-confirm">
                    Remove {analytic} from the stream
                  </button>
                  <button type="button" class="secondary" onClick={() => setConfirmRemove(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" class="secondary" onClick={() => setConfirmRemove(true)} data-testid="assignment-remove">
                  Remove
                </button>
              ))}
            <button type="button" class="secondary" onClick={() => void load()} disabled={busy || !assigned}>
              Discard changes
            </button>
          </div>
          {assigned && (
            <>
              <h2>Live view with the overlay</h2>
              <button type="button" class="secondary" onClick={() => setShowLive(!showLive)} data-testid="assignment-live-toggle">
                {showLive ? "Hide" : "Show"} the live view
              </button>
              {showLive && <LiveView node={node} stream={stream} analytic={analytic} />}
            </>
          )}
        </>
      )}
      {assigned === false && !config && !schema.data && <Loading when={schema.loading} />}
    </section>
  );
}

/** Whether a slot's sub-analytic is included (top-level slots always are). */
function slotActive(slot: ShapeSlot, config: Json): boolean {
  const parts = slot.id.split(".");
  if (parts.length < 3) return true;
  return ((config?.[parts[0]] as Json[]) ?? []).some((e: Json) => e?.name === parts[1]);
}

interface ShapeListProps {
  slot: ShapeSlot;
  color: string;
  shapes: Shape[];
  disabled: boolean;
  selected: number | null;
  onSelect: (index: number | null) => void;
  onChange: (shapes: Shape[]) => void;
  onDraw: () => void;
}

/** The shapes of one slot: name, points (as text too), the item's other settings, reverse (lines) and remove. */
function ShapeList({ slot, color, shapes, disabled, selected, onSelect, onChange, onDraw }: ShapeListProps) {
  const item = slot.schema.items ?? {};
  const others = Object.entries(item.properties ?? {}).filter(([k]) => k !== "name" && k !== "points");
  const update = (index: number, shape: Shape) => onChange(shapes.map((s, i) => (i === index ? shape : s)));
  const slotTestid = slot.id.replace(/[^A-Za-z0-9_-]/g, "-");
  return (
    <div data-testid={`shapes-${slotTestid}`}>
      <h3>
        <span aria-hidden="true" style={`display:inline-block;width:0.8em;height:0.8em;background:${color};margin-right:0.4em`} />
        {slot.title}
      </h3>
      {slot.schema.description && <p class="field-help">{slot.schema.description}</p>}
      {shapes.length === 0 && <p class="muted">None{slot.kind === "area" && slot.id === "areas" ? " (the whole frame)" : ""}.</p>}
      {shapes.map((shape, index) => (
        <fieldset class="card" key={index} data-testid="shape" aria-current={selected === index ? "true" : undefined}>
          <legend>
            {slot.kind === "line" ? "Line" : "Area"} {index + 1}
          </legend>
          <label for={`shape-${slotTestid}-${index}-name`}>Name</label>
          <input
            id={`shape-${slotTestid}-${index}-name`}
            data-testid="shape-name"
            value={shape.name}
            maxLength={128}
            onFocus={() => onSelect(index)}
            onInput={(e) => update(index, { ...shape, name: (e.target as HTMLInputElement).value })}
          />
          <PointsField
            id={`shape-${slotTestid}-${index}-points`}
            points={shape.points}
            onChange={(points) => update(index, { ...shape, points })}
          />
          <div class="grid">
            {others.map(([key, s]) => (
              <ScalarField
                key={key}
                name={key}
                schema={s}
                value={shape[key]}
                path={[slotTestid, String(index), key]}
                onChange={(v) => {
                  const next = { ...shape };
                  if (v === undefined) delete next[key];
                  else next[key] = v;
                  update(index, next);
                }}
              />
            ))}
          </div>
          <div class="actions">
            {slot.kind === "line" && (
              <button
                type="button"
                class="secondary"
                data-testid="shape-reverse"
                onClick={() => update(index, { ...shape, points: [...shape.points].reverse() })}
              >
                Reverse the direction
              </button>
            )}
            <button
              type="button"
              class="secondary"
              data-testid="shape-remove"
              onClick={() => (onChange(shapes.filter((_, i) => i !== index)), onSelect(null))}
            >
              Remove {shape.name || "it"}
            </button>
          </div>
        </fieldset>
      ))}
      {(item && shapes.length < (slot.schema.maxItems ?? 32)) && (
        <button type="button" class="secondary" onClick={onDraw} disabled={disabled} data-testid={`draw-${slotTestid}`}>
          Draw a new {slot.kind}
        </button>
      )}
    </div>
  );
}

/** One section per sub-analytic (`counting`, `area`): include it or not, and its settings. */
function SubAnalytics({ name, schema, value, onChange }: { name: string; schema: Schema; value: Json[]; onChange: (v: Json[]) => void }) {
  const variants = subAnalytics(schema);
  return (
    <div data-testid={`cfg-${name}`}>
      <h3>{label(name, schema)}</h3>
      {schema.description && <p class="field-help">{schema.description}</p>}
      {variants.map((variant) => {
        const entry = value.find((e: Json) => e?.name === variant.name);
        const id = `sub-${name}-${variant.name}`;
        return (
          <fieldset class="card" key={variant.name} data-testid={`sub-${variant.name}`}>
            <legend>
              <label class="inline" for={id}>
                <input
                  id={id}
                  type="checkbox"
                  checked={!!entry}
                  data-testid={`sub-${variant.name}-include`}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    onChange(
                      on
                        ? [...value, withDefaults(variant.schema, { name: variant.name })]
                        : value.filter((v: Json) => v?.name !== variant.name),
                    );
                  }}
                />
                {label(variant.name, variant.schema)}
              </label>
            </legend>
            {variant.schema.description && <p class="field-help">{variant.schema.description}</p>}
            {entry && (
              <ObjectFields
                schema={variant.schema}
                value={entry}
                path={[name, variant.name]}
                onChange={(next) => onChange(value.map((v: Json) => (v?.name === variant.name ? next : v)))}
                renderShapes={(key, s, shapes) => (
                  <p class="muted" key={key}>
                    {label(key, s)}: {shapes.length} (drawn above)
                  </p>
                )}
              />
            )}
          </fieldset>
        );
      })}
    </div>
  );
}
