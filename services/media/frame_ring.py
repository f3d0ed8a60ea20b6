"""Live frames handed from a stream's decoding thread to the stages that
use them (live views now, analysis next), by reference, Frigate's way (for
offline files, where the decoder may wait for its consumer, see
`services.media.handoff`): the decoder writes each frame once into a slot of a
shared-memory ring (`multiprocessing.shared_memory`) and passes on only a
small `FrameRef` (ring name, slot, sequence number, size, time); a reader
copies the pixels out of the slot when it needs them. Frames never travel
through queues or pickles; the ring's name in each reference is what a
reader in another process (the analysis workers of the engine's second
half) attaches by.

Frames are stored as planar I420 (yuv420p: the Y plane, then U, then V),
which is what H.264 decoders produce and what the JPEG and detector paths
convert from. The writer never waits for a reader: a ring of `slots` frames
is overwritten in turn, and a reader that comes back to a slot after the
writer has moved on finds a newer sequence number there and counts the
frame as dropped instead of reading torn pixels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np


@dataclass(frozen=True)
class FrameRef:
    """A frame in a ring: where it is and which one it is."""

    ring: str
    slot: int
    seq: int
    width: int
    height: int
    #: Seconds since the source opened (the frame's presentation time when the
    #: source has one, its arrival otherwise).
    time: float


def i420_size(width: int, height: int) -> int:
    """Bytes of one I420 frame (even width and height)."""
    return width * height * 3 // 2


class FrameRing:
    """A fixed ring of I420 frames of one size in one shared-memory object.

    One writer (the stream's decoder thread) calls `put`; any number of
    readers call `read` with a reference. The ring owns its object: `close`
    unlinks it.
    """

    def __init__(self, width: int, height: int, slots: int = 4) -> None:
        if width % 2 or height % 2 or width <= 0 or height <= 0:
            raise ValueError(f"an I420 ring needs an even, positive size, not {width}x{height}")
        self.width = width
        self.height = height
        self.slots = slots
        self.frame_bytes = i420_size(width, height)
        self._shm = shared_memory.SharedMemory(create=True, size=self.frame_bytes * slots)
        self._frames = np.ndarray((slots, height * 3 // 2, width), dtype=np.uint8, buffer=self._shm.buf)
        self._seqs = [-1] * slots
        self._next = 0
        self._lock = threading.Lock()
        self._closed = False
        self.dropped = 0

    @property
    def name(self) -> str:
        return self._shm.name

    def slot_view(self) -> tuple[int, np.ndarray]:
        """The slot the next frame goes to, marked as being written, and its
        pixels to write into (an (h*3/2, w) array: Y rows, then U and V)."""
        with self._lock:
            seq = self._next
            slot = seq % self.slots
            self._seqs[slot] = -1  # torn while written
        return seq, self._frames[slot]

    def commit(self, seq: int, time: float) -> FrameRef:
        """Publish the frame written into `slot_view`'s slot."""
        slot = seq % self.slots
        with self._lock:
            self._seqs[slot] = seq
            self._next = seq + 1
        return FrameRef(self.name, slot, seq, self.width, self.height, time)

    def read(self, ref: FrameRef) -> np.ndarray | None:
        """A copy of the referenced frame's I420 pixels, or None (counted in
        `dropped`) when the writer has already reused its slot or the ring
        is closed. Readers in another process check the sequence before and
        after copying; here the ring's lock also keeps `close` out."""
        with self._lock:
            if self._closed or ref.ring != self.name or self._seqs[ref.slot] != ref.seq:
                self.dropped += 1
                return None
            return self._frames[ref.slot].copy()

    def close(self) -> None:
        """Forget the frames and free the shared memory."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            del self._frames
        self._shm.close()
        self._shm.unlink()
