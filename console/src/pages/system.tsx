import type { PageProps } from "./index";

export function SystemPage(_props: PageProps) {
  return (
    <section data-testid="page-system">
      <h1>System</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
