import type { PageProps } from "./index";

export function EventsPage(_props: PageProps) {
  return (
    <section data-testid="page-events">
      <h1>Events</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
