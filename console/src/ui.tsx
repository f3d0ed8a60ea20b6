// Small shared pieces of the pages: loading/error state of a call, messages.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describe } from "./api";

export interface Async<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount (and whenever `deps` change, or `reload()` is called). */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[] = []): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    setLoading(true);
    load()
      .then((value) => {
        if (!alive.current) return;
        setData(value);
        setError(null);
      })
      .catch((e: unknown) => alive.current && setError(describe(e)))
      .finally(() => alive.current && setLoading(false));
    return () => {
      alive.current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Calls `fn` every `ms` milliseconds while mounted (and `enabled`). */
export function useInterval(fn: () => void, ms: number, enabled = true): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, enabled]);
}

export function ErrorBox({ message, testid = "error" }: { message: string | null; testid?: string }) {
  if (!message) return null;
  return (
    <p class="error" role="alert" data-testid={testid}>
      {message}
    </p>
  );
}

export function Notice({ children, testid = "notice" }: { children: ComponentChildren; testid?: string }) {
  return (
    <p class="notice" role="status" data-testid={testid}>
      {children}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  ) : null;
}

/** A labelled date-and-time field to the second (the pages' "From" and "Until" filters). */
export function TimeField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (event: Event) => void;
  testid?: string;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="datetime-local"
        step={1}
        data-testid={props.testid}
        value={props.value}
        onInput={props.onInput}
      />
    </div>
  );
}
