"""Library: the events store. The stream engine appends what its analytics
saw (`EventStore.append`), the System process lists and follows events and
enforces retention (`retention.py`). Rows live in the `events` table
(services/db/models.py::Event); thumbnails are JPEG files under
`<data_dir>/events/thumbnails/`."""
