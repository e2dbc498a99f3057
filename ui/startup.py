"""The chat's engine, loaded once per process in a background thread: when the server starts
(`streamlit run chat.py`, whose st.App calls `begin` in its lifespan) or, under a plain
`streamlit run app.py`, when the first page asks. Pages shown meanwhile say so in Chinese and
refresh themselves once it is ready; /ready (chat.py) tells a probe the same."""

from __future__ import annotations

import os
import threading

from indexer.settings import Settings
from retrieval.service import readiness

# before transformers and huggingface_hub are imported: no English progress bars ("Loading
# weights"), no advisory warnings, and no download attempts (the model is a local folder)
for _name, _value in {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
                      "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1", "TOKENIZERS_PARALLELISM": "false",
                      "HF_HUB_OFFLINE": "1"}.items():
    os.environ.setdefault(_name, _value)

_loads: dict[str, readiness.Warmup] = {}
_lock = threading.Lock()


def _key(settings: Settings) -> str:
    return settings.model_dump_json()


def _load(settings: Settings):
    from retrieval.service import open_engine

    engine = open_engine(settings)
    readiness.warm_model(engine)
    return engine


def begin(settings: Settings) -> readiness.Warmup:
    """The engine of these settings, loading (started now if it was not) or loaded."""
    from retrieval.service import StoreMissing

    with _lock:
        warmup = _loads.get(_key(settings))
        if warmup is None:
            warmup = readiness.Warmup(lambda: _load(settings), empty=(StoreMissing,))
            _loads[_key(settings)] = warmup
    return warmup.start()


def restart(settings: Settings) -> readiness.Warmup:
    """Load again (a store that was empty has its first document now)."""
    with _lock:
        _loads.pop(_key(settings), None)
    return begin(settings)


def status(settings: Settings) -> dict:
    """What /ready says: {ready, status, message}."""
    warmup = begin(settings)
    if warmup.ready:
        return {"ready": True, "status": "ready", "message": f"就绪：已载入 {len(warmup.value.documents)} 份文件和检索模型。"}
    if warmup.state == readiness.EMPTY:
        # the chat works (to upload the first file): ready, with nothing to answer from yet
        return {"ready": True, "status": "empty", "message": "就绪：资料库中还没有预算文件。"}
    if warmup.state == readiness.FAILED:
        return {"ready": False, "status": "failed", "message": "问答引擎未能启动，请查看服务日志。"}
    return {"ready": False, "status": "starting", "message": "正在启动问答引擎、载入检索模型…"}
