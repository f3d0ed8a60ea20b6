// The console's one way to the platform: same-origin fetch through the REST
// edge, with the stored Bearer token, and each API family's error body turned
// into one message (README "How the REST edge works": Visionaire4
// {code, message}, Lenz {success:false, message}, LUNA {error_code, desc,
// detail}, FindFace {code, desc}, Gaard {error_code, error_msg}).

const TOKEN_KEY = "vigil.console.token";
const FINDFACE_TOKEN_KEY = "vigil.console.findface_token";

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The FindFace `Token` (`vigil token create`), optional: only the archive pages need it. */
export function getFindFaceToken(): string | null {
  return sessionStorage.getItem(FINDFACE_TOKEN_KEY);
}

export function setFindFaceToken(token: string | null): void {
  if (token) sessionStorage.setItem(FINDFACE_TOKEN_KEY, token);
  else sessionStorage.removeItem(FINDFACE_TOKEN_KEY);
}

/** An answer that was not a success: its HTTP status and the family's message. */
export class ApiError extends Error {
  status: number;
  body: unknown;
  constructor(status: number, message: string, body: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export type Family = "visionaire" | "lenz" | "luna" | "findface" | "gaard";

/** The API family of a path: the same rule as envoy/vigil.lua. */
export function familyOf(path: string): Family {
  const p = path.split("?")[0];
  if (/^\/[12]\//.test(p) || ["/version", "/healthcheck", "/config", "/plugins"].includes(p) || p.startsWith("/docs/")) {
    return "luna";
  }
  if (
    p.startsWith("/api/visionaire-media/") ||
    p.startsWith("/api/visionaire/") ||
    p === "/api/visionaire_active_analytic_list" ||
    p.startsWith("/vigil/v1/videos/")
  ) {
    return "lenz";
  }
  if (p.startsWith("/api/classify") || p.startsWith("/api/result")) return "gaard";
  if (p === "/videos" || p.startsWith("/videos/")) return "findface";
  return "visionaire";
}

/** The message of an error body in any family's shape (or the raw text). */
export function errorMessage(status: number, body: unknown, text: string): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    if (typeof b.detail === "string" && b.detail) return b.detail; // LUNA
    if (typeof b.error_msg === "string") return b.error_msg; // Gaard
    if (typeof b.message === "string") return b.message; // Visionaire4, Lenz
    if (typeof b.desc === "string") return b.desc; // FindFace (and LUNA without detail)
  }
  const trimmed = text.trim();
  return trimmed ? `HTTP ${status}: ${trimmed.slice(0, 200)}` : `HTTP ${status}`;
}

/** Headers with the credentials a path needs: the Bearer on Lenz and
 * Visionaire4/Vigil routes (which need it when VIGIL_AUTH_VISIONAIRE is on,
 * and ignore it otherwise), FindFace's Token on /videos. LUNA and Gaard get
 * none: there a token's tenant would win over the request's own. */
export function authHeaders(path: string): Record<string, string> {
  const family = familyOf(path);
  if (family === "findface") {
    const token = getFindFaceToken();
    return token ? { Authorization: `Token ${token}` } : {};
  }
  if (family === "lenz" || family === "visionaire") {
    const token = getToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }
  return {};
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

/** Called when a Bearer token is refused, so the app can return to the login form. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders(path), ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(withQuery(path, options.query), {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    body,
    credentials: "same-origin",
    signal: options.signal,
  });
  if (!response.ok) {
    const error = await failure(response);
    const family = familyOf(path);
    if (response.status === 401 && getToken() && (family === "lenz" || family === "visionaire")) onUnauthorized?.();
    throw error;
  }
  return response;
}

/** The ApiError of a failed answer: its body's JSON (null when it is not
 * JSON) and the message in the family's words. */
export async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return new ApiError(response.status, errorMessage(response.status, parsed, text), parsed);
}

/** A JSON route: the parsed answer (null for 204). Throws ApiError. */
export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return null as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** A binary route (a JPEG): the answer as a Blob. Throws ApiError. */
export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await send(path, { ...options, headers: { Accept: "*/*", ...options.headers } });
  return response.blob();
}

/** Checks a Bearer token against a Lenz route; resolves when it is accepted. */
export async function checkToken(token: string): Promise<void> {
  const response = await fetch("/api/visionaire/analytic_list", {
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
  });
  if (response.status === 401) throw new ApiError(401, "invalid token", null);
  if (!response.ok) throw await failure(response);
}

/** A message for anything a call threw. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
