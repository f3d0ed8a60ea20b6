// The page registry: one line per page, in the navigation's order. Each page
// is `console/src/pages/<page>.tsx`, exporting one component; its route is `#/<path>`.
import type { ComponentType } from "preact";
import { StreamsPage } from "./streams";
import { AnalyticsPage } from "./analytics";
import { EventsPage } from "./events";
import { UploadsPage } from "./uploads";
import { SearchPage } from "./search";
import { WatchlistsPage } from "./watchlists";
import { SystemPage } from "./system";

/** What a page gets: the rest of the hash path after `#/<path>/` and its query. */
export interface PageProps {
  rest: string[];
  query: URLSearchParams;
}

export interface PageEntry {
  path: string;
  title: string;
  component: ComponentType<PageProps>;
}

export const PAGES: PageEntry[] = [
  { path: "streams", title: "Streams", component: StreamsPage },
  { path: "analytics", title: "Analytics", component: AnalyticsPage },
  { path: "events", title: "Events", component: EventsPage },
  { path: "uploads", title: "Uploads", component: UploadsPage },
  { path: "search", title: "Search", component: SearchPage },
  { path: "watchlists", title: "Watch lists", component: WatchlistsPage },
  { path: "system", title: "System", component: SystemPage },
];
