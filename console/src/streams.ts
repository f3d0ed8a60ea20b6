// The Visionaire4 stream routes (document 001) as the console uses them.
import { api } from "./api";

export interface Stream {
  stream_id: string;
  stream_name: string;
  stream_address: string;
  stream_node_num: number;
  stream_latitude: number;
  stream_longitude: number;
  stream_custom_data: Record<string, unknown> | null;
}

export interface StreamStats {
  fps: number;
  frame_width: number;
  frame_height: number;
  state: string;
  last_error_msg: string;
}

export interface StreamDetail extends Stream {
  pipelines: string[];
  seats: { analytic_id: string; serial_number: string }[];
  stream_stats: StreamStats | null;
}

export interface Node {
  node_num: number;
  status: string;
  running_time_sec: number;
  ip_address: string;
  run_mode: string;
  workers: {
    worker_id: string;
    status: string;
    work_held: number;
    running_time_sec: number;
    last_heartbeat_sec: number;
  }[];
}

export async function listStreams(): Promise<Stream[]> {
  const answer = await api<{ stream_number: number; streams: Stream[] }>("/streams");
  return answer.streams ?? [];
}

export function getStream(node: number, id: string): Promise<StreamDetail> {
  return api<StreamDetail>(`/streams/${node}/${encodeURIComponent(id)}`);
}

export async function listNodes(): Promise<Node[]> {
  const answer = await api<{ node_number: number; nodes: Node[] }>("/node_status");
  return answer.nodes ?? [];
}

export function streamLabel(s: Pick<Stream, "stream_name" | "stream_id">): string {
  return s.stream_name || s.stream_id;
}

export function resolution(stats: StreamStats | null | undefined): string {
  return stats && stats.frame_width && stats.frame_height ? `${stats.frame_width}×${stats.frame_height}` : "–";
}
