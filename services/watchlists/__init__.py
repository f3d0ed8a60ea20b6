"""Watch lists of face recognition: the `vigil.watchlists.v1` extension."""
