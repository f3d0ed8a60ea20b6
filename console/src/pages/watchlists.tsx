// Watch lists: the lists of face recognition (`/vigil/v1/watchlists`), their
// people (`/vigil/v1/watchlists/{id}/persons`, `/vigil/v1/persons/{id}`) and
// each person's enrolled photos (`/vigil/v1/persons/{id}/photos`: a JPEG
// showing one face; the answer says how good a reference it is).
import { useState } from "preact/hooks";
import { api, describe } from "../api";
import { fileToBase64, formatTime } from "../media";
import { ErrorBox, Notice, useAsync } from "../ui";
import type { PageProps } from "./index";

interface Watchlist {
  watchlist_id: number;
  name: string;
  description: string;
  person_count: number;
  created_at: string;
}

interface Photo {
  photo_id: number;
  person_id: number;
  box: number[];
  score: number;
  pose: number[];
  sharpness: number;
  warning: string;
  created_at: string;
}

interface Person {
  person_id: number;
  watchlist_id: number;
  name: string;
  note: string;
  photos: Photo[];
  created_at: string;
}

export function WatchlistsPage(_props: PageProps) {
  const lists = useAsync(() => api<{ watchlists: Watchlist[] }>("/vigil/v1/watchlists"), []);
  const [selected, setSelected] = useState<number | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api<{ watchlist: Watchlist }>("/vigil/v1/watchlists", {
        method: "POST",
        body: { name: name.trim(), description: description.trim() },
      });
      setName("");
      setDescription("");
      setSelected(answer.watchlist.watchlist_id);
      lists.reload();
    } catch (e) {
      setError(describe(e));
    }
  };

  const remove = async (list: Watchlist) => {
    if (!window.confirm(`Delete the watch list ${list.name} and its ${list.person_count} people?`)) return;
    try {
      await api(`/vigil/v1/watchlists/${list.watchlist_id}`, { method: "DELETE" });
      if (selected === list.watchlist_id) setSelected(null);
      lists.reload();
    } catch (e) {
      setError(describe(e));
    }
  };

  const all = lists.data?.watchlists ?? [];
  const current = all.find((l) => l.watchlist_id === selected) ?? null;
  return (
    <section data-testid="page-watchlists">
      <h1>Watch lists</h1>
      <ErrorBox message={lists.error ?? error} testid="watchlists-error" />
      <div class="table-wrap">
        <table data-testid="watchlists">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>People</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {all.map((l) => (
              <tr key={l.watchlist_id} data-testid="watchlist-row" aria-selected={l.watchlist_id === selected}>
                <td>{l.name}</td>
                <td>{l.description}</td>
                <td>{l.person_count}</td>
                <td class="actions tight">
                  <button type="button" class="secondary" data-testid="watchlist-open" onClick={() => setSelected(l.watchlist_id)}>
                    Open
                  </button>
                  <button type="button" class="danger" onClick={() => remove(l)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {!lists.loading && all.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No watch lists yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <form class="card" onSubmit={create}>
        <h2>New watch list</h2>
        <label for="wl-name">Name</label>
        <input id="wl-name" data-testid="watchlist-name" value={name} maxLength={128} required onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="wl-description">Description</label>
        <input
          id="wl-description"
          value={description}
          maxLength={1024}
          onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
        />
        <div class="actions">
          <button type="submit" data-testid="watchlist-create">
            Create
          </button>
        </div>
      </form>
      {current && <People list={current} onChange={lists.reload} />}
    </section>
  );
}

function People({ list, onChange }: { list: Watchlist; onChange: () => void }) {
  const people = useAsync(() => api<{ persons: Person[] }>(`/vigil/v1/watchlists/${list.watchlist_id}/persons`), [list.watchlist_id]);
  const [name, setName] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const add = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await api(`/vigil/v1/watchlists/${list.watchlist_id}/persons`, {
        method: "POST",
        body: { name: name.trim(), note: note.trim() },
      });
      setName("");
      setNote("");
      people.reload();
      onChange();
    } catch (e) {
      setError(describe(e));
    }
  };

  const removePerson = async (person: Person) => {
    if (!window.confirm(`Remove ${person.name} from ${list.name}?`)) return;
    try {
      await api(`/vigil/v1/persons/${person.person_id}`, { method: "DELETE" });
      people.reload();
      onChange();
    } catch (e) {
      setError(describe(e));
    }
  };

  const addPhoto = async (person: Person, file: File | undefined) => {
    if (!file) return;
    setError(null);
    setNotice(null);
    try {
      const image = await fileToBase64(file);
      const answer = await api<{ photo: Photo }>(`/vigil/v1/persons/${person.person_id}/photos`, {
        method: "POST",
        body: { image },
      });
      setNotice(
        answer.photo.warning
          ? `Photo enrolled for ${person.name}, but: ${answer.photo.warning}`
          : `Photo enrolled for ${person.name}.`,
      );
      people.reload();
    } catch (e) {
      setError(describe(e));
    }
  };

  const removePhoto = async (photo: Photo) => {
    try {
      await api(`/vigil/v1/persons/${photo.person_id}/photos/${photo.photo_id}`, { method: "DELETE" });
      people.reload();
    } catch (e) {
      setError(describe(e));
    }
  };

  const persons = people.data?.persons ?? [];
  return (
    <div class="card" data-testid="people">
      <h2>People of {list.name}</h2>
      <ErrorBox message={people.error ?? error} testid="people-error" />
      {notice && <Notice testid="people-notice">{notice}</Notice>}
      {persons.length === 0 && !people.loading && <p class="muted">Nobody on this list yet.</p>}
      <ul class="people">
        {persons.map((p) => (
          <li key={p.person_id} data-testid="person-row">
            <div class="person-head">
              <strong>{p.name}</strong>
              {p.note ? <span class="muted"> — {p.note}</span> : null}
              <span class="muted small"> · added {formatTime(p.created_at)}</span>
            </div>
            <ul class="photos">
              {p.photos.map((ph) => (
                <li key={ph.photo_id} data-testid="photo-row">
                  photo {ph.photo_id}: face score {ph.score.toFixed(2)}, sharpness {ph.sharpness.toFixed(0)}
                  {ph.warning ? <span class="warning"> ({ph.warning})</span> : null}{" "}
                  <button type="button" class="secondary" onClick={() => removePhoto(ph)}>
                    Remove photo
                  </button>
                </li>
              ))}
            </ul>
            <div class="actions">
              <label class="inline">
                Add a photo (JPEG, one face)
                <input
                  type="file"
                  accept="image/jpeg"
                  data-testid="person-photo"
                  onChange={(e) => {
                    const input = e.target as HTMLInputElement;
                    addPhoto(p, input.files?.[0]).finally(() => {
                      input.value = "";
                    });
                  }}
                />
              </label>
              <button type="button" class="danger" onClick={() => removePerson(p)}>
                Remove {p.name}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <h3>Add a person</h3>
        <label for="person-name">Name</label>
        <input id="person-name" data-testid="person-name" value={name} maxLength={255} required onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="person-note">Note</label>
        <input id="person-note" value={note} maxLength={255} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
        <div class="actions">
          <button type="submit" data-testid="person-add">
            Add person
          </button>
        </div>
      </form>
    </div>
  );
}
