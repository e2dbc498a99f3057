"""One settings object, built at the edge (CLI, app) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "multilingual-e5-small"


class Settings(BaseSettings):
    """Read from BUDGETQA_* environment variables; defaults run offline and embedded."""

    model_config = SettingsConfigDict(env_prefix="BUDGETQA_", extra="ignore")

    store: Path = Path("budgetqa_store")
    # the fact store on a database server (postgresql+psycopg://user:pw@host:5432/db) instead of
    # the SQLite file in the store folder; the keyword index then lives there too
    database_url: str | None = None
    # a local sentence-transformers folder (built at set-up) or, where a hub is reachable,
    # a hub name such as "intfloat/multilingual-e5-small"
    embedding_model: str = str(DEFAULT_MODEL_DIR)
    # chosen by `make bench` (the embedding floor per batch size, in CPU seconds of one run on 2
    # shared cores, 343 chunks): batch 4 119.6 s, 16 59.5 s, 32 68.0 s; sentence-transformers
    # sorts the texts by length, so a bigger batch pads little, and a smaller one pays its
    # per-batch overhead on every few chunks
    embedding_batch_size: int = 16
    # Chroma: embedded PersistentClient in the store, or a server when chroma_host is set
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "budgetqa-chunks"
    # optional LLM (OpenAI-compatible); off unless llm_model is set
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout: float = 20.0
    llm_retries: int = 1
    # the confidence below which an answer states no figure and offers its readings instead;
    # chosen on the calibration half of ../shared/eval/dev3.jsonl (the closing note of issue 19
    # gives its table of bands): the stated answers below it were too few to trust
    answer_floor: float = 0.6
    # `budgetqa serve`: API keys, comma-separated (unset: no authentication); each request then
    # names one in `Authorization: Bearer <key>`
    api_keys: str | None = None
    # requests: a body larger than this is refused before it is read (a 20 MB upload in base64
    # fits); a conversation's history is read for follow-ups up to these bounds
    max_request_mb: float = 30.0
    max_ask_kb: int = 512  # any other request (a question with its history)
    max_history_turns: int = 20
    max_history_chars: int = 20_000
    # a question asked while the engine is still loading waits this long before a 503
    startup_wait: float = 120.0
    # the chat: accounts with passwords (a shared deployment); unset, each browser keeps its own
    # conversations under a random id
    accounts: bool = False
    # what one file may cost (indexer/limits.py), so that a crafted or runaway file cannot
    # exhaust the server. A .docx/.xlsx is a zip: a 1 MB file can unpack to 600 MB of XML and
    # take 5–7 GB of memory to parse; real budget files unpack to a few MB in under 100 parts
    max_unpacked_mb: int = 50
    max_zip_entries: int = 1000
    # a budget table has at most a few hundred rows; a 100,000-row sheet would embed for hours
    max_rows_per_sheet: int = 5000
    # a department's budget makes 50–300 chunks; each costs an embedding (about 0.1–1 s here)
    max_chunks_per_document: int = 1000

    @property
    def database(self) -> Path | str:
        """The fact store's database: the server's URL, or the SQLite file in the store folder."""
        return self.database_url or self.store / "facts.sqlite"

    @property
    def api_key_list(self) -> list[str]:
        """The API keys `serve` accepts (none: no authentication)."""
        return [k.strip() for k in (self.api_keys or "").split(",") if k.strip()]

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)

    @property
    def chroma_dir(self) -> Path:
        return self.store / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.store / "bm25"

    @property
    def keywords(self) -> Path | str:
        """Where the keyword index lives: the database server's, else the store folder's."""
        return self.database_url or self.bm25_dir
