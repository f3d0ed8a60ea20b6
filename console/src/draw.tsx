// Drawing counting lines and areas on a current frame of a stream: a canvas
// over a snapshot (`/stream_jpeg/{node}/{stream}`), points written in the
// config's normalised form ({x, y}, both 0..1 from the top-left corner).
// A line shows its counting direction with arrows: "in" is a crossing from
// the left of the line to its right, walking from its first point to its
// last on the screen (services/analysis/objects.py), so for a line drawn
// left to right "in" points down.
import { useEffect, useRef, useState } from "preact/hooks";
import { describe } from "./api";
import { snapshotUrl } from "./live";

export interface Point {
  x: number;
  y: number;
}

export interface Shape {
  name: string;
  points: Point[];
  direction?: string;
  [key: string]: unknown;
}

/** What is drawn on the frame: each shape, its kind, and which one is selected or being drawn. */
export interface Layer {
  shapes: Shape[];
  kind: "line" | "area";
  color: string;
}

export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, Math.round(value * 10000) / 10000));
}

/** Points as text, `x,y x,y ...` (what the keyboard field edits). */
export function pointsToText(points: Point[]): string {
  return points.map((p) => `${p.x},${p.y}`).join(" ");
}

/** Parses `x,y x,y ...`; throws with a message when a pair is not two numbers in 0..1. */
export function textToPoints(text: string): Point[] {
  const pairs = text.trim().split(/[\s;]+/).filter(Boolean);
  return pairs.map((pair) => {
    const [x, y, extra] = pair.split(",").map((v) => v.trim());
    const px = Number(x);
    const py = Number(y);
    if (extra !== undefined || x === "" || y === undefined || !Number.isFinite(px) || !Number.isFinite(py)) {
      throw new Error(`"${pair}" is not a point x,y`);
    }
    if (px < 0 || px > 1 || py < 0 || py > 1) throw new Error(`"${pair}": both values must be between 0 and 1`);
    return { x: px, y: py };
  });
}

function arrow(ctx: CanvasRenderingContext2D, x: number, y: number, nx: number, ny: number, size: number) {
  const tipX = x + nx * size * 2.2;
  const tipY = y + ny * size * 2.2;
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(tipX, tipY);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(tipX, tipY);
  ctx.lineTo(tipX - nx * size + ny * size * 0.6, tipY - ny * size - nx * size * 0.6);
  ctx.lineTo(tipX - nx * size - ny * size * 0.6, tipY - ny * size + nx * size * 0.6);
  ctx.closePath();
  ctx.fill();
}

function drawShape(
  ctx: CanvasRenderingContext2D,
  shape: Shape,
  kind: "line" | "area",
  color: string,
  width: number,
  height: number,
  emphasis: boolean,
  closed: boolean,
) {
  const pts = shape.points.map((p) => [p.x * width, p.y * height] as const);
  if (!pts.length) return;
  const unit = Math.max(2, Math.min(width, height) / 120);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = emphasis ? unit * 1.6 : unit;
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  if (kind === "area" && closed && pts.length > 2) {
    ctx.closePath();
    ctx.globalAlpha = 0.18;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
  ctx.stroke();
  for (const [x, y] of pts) {
    ctx.beginPath();
    ctx.arc(x, y, unit * (emphasis ? 1.8 : 1.3), 0, Math.PI * 2);
    ctx.fill();
  }
  if (kind === "line" && pts.length >= 2 && shape.direction) {
    for (let i = 0; i + 1 < pts.length; i++) {
      const [ax, ay] = pts[i];
      const [bx, by] = pts[i + 1];
      const length = Math.hypot(bx - ax, by - ay);
      if (length < 1) continue;
      // The "in" side: the right of the walk from a to b on the screen (y down).
      const nx = -(by - ay) / length;
      const ny = (bx - ax) / length;
      const mx = (ax + bx) / 2;
      const my = (ay + by) / 2;
      if (shape.direction === "in" || shape.direction === "both") arrow(ctx, mx, my, nx, ny, unit * 4);
      if (shape.direction === "out" || shape.direction === "both") arrow(ctx, mx, my, -nx, -ny, unit * 4);
    }
  }
  if (shape.name) {
    const [x, y] = pts[0];
    ctx.font = `${Math.round(unit * 6)}px system-ui, sans-serif`;
    ctx.lineWidth = unit;
    ctx.strokeStyle = "rgba(0,0,0,0.7)";
    ctx.strokeText(shape.name, x + unit * 2, y - unit * 2);
    ctx.fillStyle = "#fff";
    ctx.fillText(shape.name, x + unit * 2, y - unit * 2);
  }
}

export interface FrameCanvasProps {
  node: number;
  stream: string;
  layers: Layer[];
  /** The shape being drawn (its points grow with each click), drawn on top. */
  drawing: { shape: Shape; kind: "line" | "area" } | null;
  /** Index in `layers[active]` of the selected shape. */
  selected: { layer: number; index: number } | null;
  onPoint: (point: Point) => void;
}

/** The frame with the shapes on it; a click (or tap) adds a point to the shape being drawn. */
export function FrameCanvas({ node, stream, layers, drawing, selected, onPoint }: FrameCanvasProps) {
  const [frame, setFrame] = useState<string | null>(null);
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);

  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      const url = await snapshotUrl(node, stream);
      setFrame((old) => {
        if (old) URL.revokeObjectURL(old);
        return url;
      });
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [node, stream]);
  useEffect(
    () => () => {
      setFrame((old) => {
        if (old) URL.revokeObjectURL(old);
        return null;
      });
    },
    [],
  );

  const w = size?.w ?? 1280;
  const h = size?.h ?? 720;
  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    layers.forEach((layer, li) =>
      layer.shapes.forEach((shape, si) =>
        drawShape(ctx, shape, layer.kind, layer.color, w, h, selected?.layer === li && selected.index === si, true),
      ),
    );
    if (drawing) drawShape(ctx, drawing.shape, drawing.kind, "#ffde21", w, h, true, false);
  }, [layers, drawing, selected, w, h]);

  const click = (event: PointerEvent) => {
    if (!drawing || !canvas.current) return;
    const rect = canvas.current.getBoundingClientRect();
    onPoint({ x: clamp01((event.clientX - rect.left) / rect.width), y: clamp01((event.clientY - rect.top) / rect.height) });
  };

  return (
    <div>
      <div class="actions">
        <button type="button" class="secondary" onClick={load} disabled={busy} data-testid="frame-reload">
          {busy ? "Loading the frame…" : "New frame"}
        </button>
      </div>
      {error && (
        <p class="error" role="alert" data-testid="frame-error">
          Could not load a frame: {error}. The shapes can still be drawn on the blank frame or typed.
        </p>
      )}
      <div class="drawing" data-testid="frame" style={frame ? undefined : `width:100%;aspect-ratio:${w}/${h};background:#333`}>
        {frame && (
          <img
            src={frame}
            alt="Current frame of the stream"
            data-testid="frame-image"
            onLoad={(e) => {
              const img = e.target as HTMLImageElement;
              setSize({ w: img.naturalWidth, h: img.naturalHeight });
            }}
          />
        )}
        <canvas
          ref={canvas}
          width={w}
          height={h}
          data-testid="frame-canvas"
          aria-label={drawing ? "Click to add a point" : "The lines and areas on the frame"}
          onPointerDown={click}
        />
      </div>
    </div>
  );
}
