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
    # small batches: on 2 CPU cores padding to the longest text in a big batch costs 3x (measured)
    embedding_batch_size: int = 4
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
    def chroma_dir(self) -> Path:
        return self.store / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.store / "bm25"

    @property
    def keywords(self) -> Path | str:
        """Where the keyword index lives: the database server's, else the store folder's."""
        return self.database_url or self.bm25_dir
