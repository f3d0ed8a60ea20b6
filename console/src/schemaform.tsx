// A form generated from an analytic's JSON Schema (`GET /v2/config/pipeline/{id}`,
// draft 2020-12): numbers, integers, booleans, enums and strings become
// fields with the schema's title, description, bounds and step (`x-step`);
// arrays of shapes (items with `points`) are drawn on the frame (ShapeList);
// `sub_analytics` (items chosen by `name` through `allOf` if/then) become one
// section per sub-analytic; free objects (`args`, `env`) a JSON field.
import { useState } from "preact/hooks";
import { pointsToText, textToPoints, type Shape } from "./draw";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export interface Schema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: Json;
  enum?: Json[];
  const?: Json;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: { if?: Schema; then?: Schema }[];
  additionalProperties?: boolean | Schema;
  "x-step"?: number;
}

/** A config with the schema's defaults filled in where the value has none. */
export function withDefaults(schema: Schema, value: Json): Json {
  if (schema.type === "object" && schema.properties) {
    const out: Record<string, Json> = { ...(value && typeof value === "object" ? value : {}) };
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (out[key] === undefined && sub.default !== undefined) out[key] = structuredClone(sub.default);
    }
    return out;
  }
  return value === undefined ? structuredClone(schema.default) : value;
}

export function label(key: string, schema: Schema): string {
  return schema.title || key.replace(/_/g, " ");
}

/** Whether an array's items are shapes drawn on the frame. */
export function isShapeArray(schema: Schema): boolean {
  return schema.type === "array" && !!schema.items?.properties?.points;
}

export function shapeKind(schema: Schema): "line" | "area" {
  const points = schema.items?.properties?.points;
  return (points?.minItems ?? 3) <= 2 ? "line" : "area";
}

/** The sub-analytic variants of a `sub_analytics` schema: name -> its object schema. */
export function subAnalytics(schema: Schema): { name: string; schema: Schema }[] {
  if (schema.type !== "array" || (schema.maxItems ?? 1) === 0) return [];
  return (schema.items?.allOf ?? [])
    .map((branch) => ({ name: branch.if?.properties?.name?.const as string, schema: branch.then ?? {} }))
    .filter((v) => typeof v.name === "string");
}

function isFreeObject(schema: Schema): boolean {
  return schema.type === "object" && !schema.properties;
}

function fieldId(path: string[]): string {
  return `cfg-${path.join("-")}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

interface FieldProps {
  name: string;
  schema: Schema;
  value: Json;
  path: string[];
  onChange: (value: Json) => void;
}

/** One scalar setting. */
export function ScalarField({ name, schema, value, path, onChange }: FieldProps) {
  const id = fieldId(path);
  const help = schema.description;
  const testid = `cfg-${path.join(".")}`;
  if (schema.const !== undefined) return null;
  if (schema.type === "boolean") {
    return (
      <div>
        <label class="inline" for={id}>
          <input
            id={id}
            type="checkbox"
            data-testid={testid}
            checked={!!value}
            onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
          />
          {label(name, schema)}
        </label>
        {help && <p class="field-help">{help}</p>}
      </div>
    );
  }
  let input;
  if (schema.enum) {
    input = (
      <select
        id={id}
        data-testid={testid}
        value={value === undefined ? "" : String(value)}
        onChange={(e) => {
          const text = (e.target as HTMLSelectElement).value;
          onChange(schema.enum!.find((v) => String(v) === text));
        }}
      >
        {value === undefined && <option value="">(default)</option>}
        {schema.enum.map((v) => (
          <option key={String(v)} value={String(v)}>
            {String(v)}
          </option>
        ))}
      </select>
    );
  } else if (schema.type === "number" || schema.type === "integer") {
    const min = schema.minimum ?? schema.exclusiveMinimum;
    const max = schema.maximum ?? schema.exclusiveMaximum;
    input = (
      <input
        id={id}
        type="number"
        data-testid={testid}
        value={value === undefined || value === null ? "" : String(value)}
        min={min}
        max={max}
        step={schema["x-step"] ?? (schema.type === "integer" ? 1 : "any")}
        onInput={(e) => {
          const text = (e.target as HTMLInputElement).value;
          onChange(text === "" ? undefined : Number(text));
        }}
      />
    );
  } else {
    input = (
      <input
        id={id}
        data-testid={testid}
        value={value ?? ""}
        maxLength={schema.maxLength}
        onInput={(e) => onChange((e.target as HTMLInputElement).value)}
      />
    );
  }
  const bounds =
    schema.type === "number" || schema.type === "integer"
      ? [
          schema.minimum !== undefined ? `from ${schema.minimum}` : schema.exclusiveMinimum !== undefined ? `over ${schema.exclusiveMinimum}` : "",
          schema.maximum !== undefined ? `to ${schema.maximum}` : "",
        ]
          .filter(Boolean)
          .join(" ")
      : "";
  return (
    <div>
      <label for={id}>{label(name, schema)}</label>
      {input}
      {(help || bounds) && (
        <p class="field-help">
          {help}
          {help && bounds ? " " : ""}
          {bounds && `(${bounds})`}
        </p>
      )}
    </div>
  );
}

/** A free object (`args`, `env`) as JSON text. */
function JsonField({ name, schema, value, path, onChange }: FieldProps) {
  const id = fieldId(path);
  const [text, setText] = useState(() => JSON.stringify(value ?? {}, null, 1));
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <label for={id}>{label(name, schema)} (JSON object)</label>
      <textarea
        id={id}
        rows={2}
        data-testid={`cfg-${path.join(".")}`}
        value={text}
        onInput={(e) => {
          const t = (e.target as HTMLTextAreaElement).value;
          setText(t);
          try {
            const parsed = t.trim() ? JSON.parse(t) : {};
            if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
            setError(null);
            onChange(parsed);
          } catch {
            setError(`${label(name, schema)} must be a JSON object`);
          }
        }}
      />
      {schema.description && <p class="field-help">{schema.description}</p>}
      {error && <p class="error">{error}</p>}
    </div>
  );
}

export interface ObjectFieldsProps {
  schema: Schema;
  value: Record<string, Json>;
  path: string[];
  onChange: (value: Record<string, Json>) => void;
  /** Renders a shape array (drawn on the frame); the page decides where. */
  renderShapes: (key: string, schema: Schema, shapes: Shape[], path: string[], set: (shapes: Shape[]) => void) => Json;
  /** Renders the sub-analytics array. */
  renderSubAnalytics?: (key: string, schema: Schema, value: Json[], set: (value: Json[]) => void) => Json;
}

/** The fields of an object schema, scalars first, then shapes and sub-analytics. */
export function ObjectFields({ schema, value, path, onChange, renderShapes, renderSubAnalytics }: ObjectFieldsProps) {
  const entries = Object.entries(schema.properties ?? {});
  const set = (key: string, v: Json) => {
    const next = { ...value };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(next);
  };
  const scalars = entries.filter(([, s]) => s.type !== "array" && !isFreeObject(s) && s.const === undefined);
  const free = entries.filter(([, s]) => isFreeObject(s));
  const shapes = entries.filter(([, s]) => isShapeArray(s));
  const subs = entries.filter(([, s]) => subAnalytics(s).length > 0);
  return (
    <>
      <div class="grid">
        {scalars.map(([key, s]) => (
          <ScalarField key={key} name={key} schema={s} value={value[key]} path={[...path, key]} onChange={(v) => set(key, v)} />
        ))}
      </div>
      {shapes.map(([key, s]) => renderShapes(key, s, (value[key] as Shape[]) ?? [], [...path, key], (v) => set(key, v)))}
      {renderSubAnalytics && subs.map(([key, s]) => renderSubAnalytics(key, s, (value[key] as Json[]) ?? [], (v) => set(key, v)))}
      {free.length > 0 && (
        <details>
          <summary>Module arguments and environment</summary>
          {free.map(([key, s]) => (
            <JsonField key={key} name={key} schema={s} value={value[key]} path={[...path, key]} onChange={(v) => set(key, v)} />
          ))}
        </details>
      )}
    </>
  );
}

/** A shape's points as text, for the keyboard (and to check what was drawn). */
export function PointsField({ id, points, onChange }: { id: string; points: { x: number; y: number }[]; onChange: (p: { x: number; y: number }[]) => void }) {
  const [text, setText] = useState(pointsToText(points));
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState(points);
  if (points !== last) {
    setLast(points);
    setText(pointsToText(points));
  }
  return (
    <div>
      <label for={id}>Points (x,y normalised 0..1, separated by spaces)</label>
      <input
        id={id}
        data-testid="shape-points"
        value={text}
        onChange={(e) => {
          const t = (e.target as HTMLInputElement).value;
          setText(t);
          try {
            const parsed = textToPoints(t);
            setError(null);
            setLast(parsed);
            onChange(parsed);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
      {error && <p class="error">{error}</p>}
    </div>
  );
}
