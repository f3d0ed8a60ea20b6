"""Face clusters of a FindFace video archive: how many identities its face
tracks show, by clustering their best shots' SFace embeddings.

Agglomerative clustering (scikit-learn) with cosine distance and average
linkage, cut at `1 - sface.SAME_PERSON`: two groups of faces are one
identity while the mean cosine similarity between their faces reaches
SFace's same-person threshold (0.363, OpenCV's published match threshold
for SFace's cosine score). Average linkage keeps one blurred or turned
face from chaining two people together (single linkage would), and does
not split a person whose faces vary (complete linkage would).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from services.vision import sface

#: The cosine distance below which faces are one identity.
DISTANCE_THRESHOLD = 1.0 - sface.SAME_PERSON


def count_identities(embeddings: Sequence[Sequence[float]] | Sequence[np.ndarray] | np.ndarray) -> int:
    """The number of identities among these face embeddings."""
    matrix = np.asarray(embeddings, dtype=np.float64)
    if matrix.ndim != 2 or len(matrix) == 0:
        return 0
    if len(matrix) == 1:
        return 1
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms > 0, norms, 1.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=DISTANCE_THRESHOLD
    )
    model.fit(matrix)
    return int(model.n_clusters_)
