import type { PageProps } from "./index";

export function UploadsPage(_props: PageProps) {
  return (
    <section data-testid="page-uploads">
      <h1>Uploads</h1>
      <p class="muted">Not built yet.</p>
    </section>
  );
}
