import type { PageProps } from "./index";

export function WatchlistsPage(_props: PageProps) {
  return (
    <section data-testid="page-watchlists">
      <h1>Watch lists</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
