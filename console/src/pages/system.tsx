// System: the platform's identity and versions (`GET /`, LUNA `/version`),
// health (`/healthcheck?include_luna_services=1`), the cluster's nodes and
// their engine workers (`/node_status`), resource use per node
// (`/v2/resource_stats`, charted with uPlot while the page is open), the
// models the inference service has loaded as the catalog exposes them
// (`/analytic_list`: an analytic is offered only while its models are
// ready), the platform settings (`/config/platform`) and the event store
// (`/database/stats`).
import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, describe } from "../api";
import { listNodes, type Node } from "../streams";
import { ErrorBox, Loading, useAsync, useInterval } from "../ui";
import type { PageProps } from "./index";

interface SystemInfo {
  name: string;
  version: { major: number; minor: number; patch: number };
  deployment_key: string;
}
interface Gpu {
  gpu_id: number;
  gpu_name: string;
  gpu_utilization: number;
  gpu_temperature: number;
  gpu_memory_total: number;
  gpu_memory_used: number;
}
interface Device {
  node_num: number;
  ip_address: string;
  data: {
    cpu_percent: number;
    ram_percent: number;
    swap_memory_percent: number;
    gpus: Gpu[];
    services: { service_name: string; service_number: number }[];
  };
}
interface Analytic {
  id: string;
  name: string;
  models: string[];
  major_version: number;
  minor_version: number;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

const HISTORY = 120; // samples kept per node (10 minutes at one every 5 s)

/** CPU and RAM of one node over the time the page has been open. */
function ResourceChart({ node, series }: { node: number; series: [number[], number[], number[]] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(260, Math.min(box.current.clientWidth || 600, 900));
    plot.current = new uPlot(
      {
        width,
        height: 180,
        scales: { y: { range: [0, 100] } },
        series: [{}, { label: "CPU %", stroke: "#1f5fbf", width: 2 }, { label: "RAM %", stroke: "#b3261e", width: 2 }],
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
      },
      series,
      box.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [node]);
  useEffect(() => {
    plot.current?.setData(series);
  }, [series]);
  return <div ref={box} data-testid={`resource-chart-${node}`} aria-label={`CPU and RAM of node ${node} over time`} role="img" />;
}

export function SystemPage(_props: PageProps) {
  const info = useAsync(() => api<SystemInfo>("/"));
  const luna = useAsync(() => api<{ Version: { api: number; major: number; minor: number; patch: number } }>("/version"));
  const nodes = useAsync(listNodes);
  const resources = useAsync(() => api<{ devices: Device[] }>("/v2/resource_stats"));
  const analytics = useAsync(() => api<{ analytics: Analytic[] }>("/analytic_list"));
  const platform = useAsync(() =>
    api<{ config: { max_streams_per_node: number; event_retention_days: number; enable_cors: boolean; log_level: string } }>(
      "/config/platform",
    ),
  );
  const database = useAsync(() =>
    api<{ total_size_bytes: number; used_size_bytes: number; free_size_bytes: number; event_count: number }>("/database/stats"),
  );
  const [health, setHealth] = useState<string | null>(null);
  const [healthError, setHealthError] = useState<string | null>(null);
  const [history, setHistory] = useState<Record<number, [number[], number[], number[]]>>({});

  const checkHealth = async () => {
    try {
      const answer = await api<{ execution_time: number }>("/healthcheck", { query: { include_luna_services: 1 } });
      setHealth(`healthy (checked in ${(answer.execution_time * 1000).toFixed(0)} ms)`);
      setHealthError(null);
    } catch (e) {
      setHealth(null);
      setHealthError(describe(e));
    }
  };
  useEffect(() => {
    void checkHealth();
  }, []);

  useEffect(() => {
    const devices = resources.data?.devices;
    if (!devices) return;
    const now = Date.now() / 1000;
    setHistory((old) => {
      const next = { ...old };
      for (const dev of devices) {
        const [t, cpu, ram] = next[dev.node_num] ?? [[], [], []];
        next[dev.node_num] = [
          [...t, now].slice(-HISTORY),
          [...cpu, dev.data.cpu_percent].slice(-HISTORY),
          [...ram, dev.data.ram_percent].slice(-HISTORY),
        ];
      }
      return next;
    });
  }, [resources.data]);

  useInterval(() => {
    resources.reload();
    nodes.reload();
  }, 5000);

  const models = new Map<string, string[]>();
  for (const a of analytics.data?.analytics ?? []) {
    for (const m of a.models) models.set(m, [...(models.get(m) ?? []), a.id]);
  }

  return (
    <section data-testid="page-system">
      <h1>System</h1>
      <div class="grid">
        <div class="card" data-testid="system-versions">
          <h2 style="margin-top:0">Platform</h2>
          <ErrorBox message={info.error ?? luna.error} />
          <dl class="kv">
            <dt>Product</dt>
            <dd>{info.data?.name ?? "…"}</dd>
            <dt>Version</dt>
            <dd data-testid="system-version">
              {info.data ? `${info.data.version.major}.${info.data.version.minor}.${info.data.version.patch}` : "…"}
            </dd>
            <dt>LUNA Streams API</dt>
            <dd>
              {luna.data
                ? `v${luna.data.Version.api} (${luna.data.Version.major}.${luna.data.Version.minor}.${luna.data.Version.patch})`
                : "…"}
            </dd>
            <dt>Deployment key</dt>
            <dd>{info.data?.deployment_key ?? "…"}</dd>
            <dt>Health</dt>
            <dd data-testid="system-health">
              {health ?? (healthError ? <span class="error">{healthError}</span> : "…")}{" "}
              <button type="button" class="secondary" onClick={checkHealth} data-testid="system-health-check">
                Check
              </button>
            </dd>
          </dl>
        </div>
        <div class="card" data-testid="system-settings">
          <h2 style="margin-top:0">Settings</h2>
          <ErrorBox message={platform.error ?? database.error} />
          <dl class="kv">
            <dt>Streams per node</dt>
            <dd>{platform.data?.config.max_streams_per_node ?? "…"}</dd>
            <dt>Event retention</dt>
            <dd>{platform.data ? `${platform.data.config.event_retention_days} days` : "…"}</dd>
            <dt>CORS</dt>
            <dd>{platform.data ? (platform.data.config.enable_cors ? "on" : "off") : "…"}</dd>
            <dt>Log level</dt>
            <dd>{platform.data?.config.log_level ?? "…"}</dd>
            <dt>Events stored</dt>
            <dd data-testid="system-event-count">{database.data?.event_count ?? "…"}</dd>
            <dt>Database size</dt>
            <dd>{database.data ? bytes(database.data.used_size_bytes) : "…"}</dd>
            <dt>Disk free</dt>
            <dd>{database.data ? bytes(database.data.free_size_bytes) : "…"}</dd>
          </dl>
        </div>
      </div>

      <h2>Nodes</h2>
      <ErrorBox message={nodes.error} testid="nodes-error" />
      <Loading when={nodes.loading && !nodes.data} />
      <div class="table-wrap">
        <table data-testid="nodes-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Status</th>
              <th scope="col">Address</th>
              <th scope="col">Mode</th>
              <th scope="col">Up</th>
              <th scope="col">Engine workers</th>
            </tr>
          </thead>
          <tbody>
            {(nodes.data ?? []).map((n: Node) => (
              <tr key={n.node_num} data-testid={`node-${n.node_num}`}>
                <td>{n.node_num}</td>
                <td>
                  <span class={`state ${n.status}`}>{n.status}</span>
                </td>
                <td>{n.ip_address}</td>
                <td>{n.run_mode}</td>
                <td>{duration(n.running_time_sec)}</td>
                <td>
                  {n.workers.length === 0
                    ? "none"
                    : n.workers.map((w) => (
                        <div key={w.worker_id} data-testid="node-worker">
                          <code>{w.worker_id}</code> <span class={`state ${w.status}`}>{w.status}</span>, {w.work_held} held,
                          beat {w.last_heartbeat_sec.toFixed(0)} s ago
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Resources</h2>
      <ErrorBox message={resources.error} testid="resources-error" />
      {(resources.data?.devices ?? []).map((dev) => (
        <div class="card" key={dev.node_num} data-testid={`resources-${dev.node_num}`}>
          <h3 style="margin-top:0">
            Node {dev.node_num} <span class="muted">({dev.ip_address})</span>
          </h3>
          <dl class="kv">
            <dt>CPU</dt>
            <dd data-testid="resource-cpu">{dev.data.cpu_percent.toFixed(1)} %</dd>
            <dt>RAM</dt>
            <dd data-testid="resource-ram">{dev.data.ram_percent.toFixed(1)} %</dd>
            <dt>Swap</dt>
            <dd>{dev.data.swap_memory_percent.toFixed(1)} %</dd>
            <dt>GPUs</dt>
            <dd>
              {dev.data.gpus.length === 0
                ? "none"
                : dev.data.gpus.map((g) => (
                    <div key={g.gpu_id}>
                      {g.gpu_id}: {g.gpu_name}, {g.gpu_utilization.toFixed(0)} %, {g.gpu_temperature.toFixed(0)} °C,{" "}
                      {bytes(g.gpu_memory_used)} of {bytes(g.gpu_memory_total)}
                    </div>
                  ))}
            </dd>
            {dev.data.services.map((s) => (
              <Fragment key={s.service_name}>
                <dt>{s.service_name}</dt>
                <dd>{s.service_number}</dd>
              </Fragment>
            ))}
          </dl>
          {history[dev.node_num] && <ResourceChart node={dev.node_num} series={history[dev.node_num]} />}
        </div>
      ))}

      <h2>Models loaded</h2>
      <p class="muted">
        The inference service's models as the public routes show them: an analytic is offered only while every model it
        needs is loaded and ready.
      </p>
      <ErrorBox message={analytics.error} testid="models-error" />
      <div class="table-wrap">
        <table data-testid="models-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Used by</th>
            </tr>
          </thead>
          <tbody>
            {[...models.entries()].map(([model, users]) => (
              <tr key={model} data-testid={`model-${model}`}>
                <td>
                  <code>{model}</code>
                </td>
                <td>{users.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
