import type { PageProps } from "./index";

export function AnalyticsPage(_props: PageProps) {
  return (
    <section data-testid="page-analytics">
      <h1>Analytics</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
