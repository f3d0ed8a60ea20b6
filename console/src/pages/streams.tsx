import type { PageProps } from "./index";

export function StreamsPage(_props: PageProps) {
  return (
    <section data-testid="page-streams">
      <h1>Streams</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
