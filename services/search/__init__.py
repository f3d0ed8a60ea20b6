"""Smart search: the vector index over the events' embeddings
(`vectors.py`) and Visionaire4's `POST /smart-search` (`smart.py`, served by
the stream engine process)."""
