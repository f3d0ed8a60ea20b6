import type { PageProps } from "./index";

export function SearchPage(_props: PageProps) {
  return (
    <section data-testid="page-search">
      <h1>Search</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
