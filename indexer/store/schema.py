"""The fact store's schema: numbered migrations, run in order by `database.migrate`.

Each migration is SQL that SQLite and PostgreSQL both read (TEXT, INTEGER, DOUBLE PRECISION,
CURRENT_TIMESTAMP), or a dict of such SQL for "all" back ends plus what only one back end runs
("sqlite", "postgresql"). Migrations only add: a store written by an older version stays readable.
"""

from __future__ import annotations

MIGRATIONS: list[str | dict[str, str]] = [
    # 1: the records of the indexer
    """
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
        title TEXT NOT NULL, department TEXT NOT NULL, year INTEGER NOT NULL,
        region_level TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL, shape TEXT NOT NULL,
        line_count INTEGER NOT NULL, page_count INTEGER, listed_tables TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        search_state TEXT NOT NULL DEFAULT 'pending',  -- 'ready' once Chroma holds its chunks
        indexed_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
    );
    CREATE INDEX documents_path ON documents(path);
    CREATE TABLE sections (
        section_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        heading TEXT NOT NULL, level INTEGER NOT NULL, path TEXT NOT NULL, text TEXT NOT NULL,
        line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE budget_tables (
        table_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        number TEXT, title TEXT NOT NULL, unit TEXT NOT NULL, columns TEXT NOT NULL,
        text_columns TEXT NOT NULL, empty_note TEXT, line_start INTEGER NOT NULL,
        line_end INTEGER NOT NULL, page INTEGER, warnings TEXT NOT NULL
    );
    CREATE TABLE rows (
        table_id TEXT NOT NULL REFERENCES budget_tables ON DELETE CASCADE, idx INTEGER NOT NULL,
        doc_id TEXT NOT NULL, label TEXT NOT NULL, code TEXT, code_kind TEXT, category TEXT,
        extra TEXT NOT NULL, is_total INTEGER NOT NULL, verified INTEGER, note TEXT,
        line INTEGER NOT NULL, page INTEGER,
        PRIMARY KEY (table_id, idx)
    );
    CREATE TABLE cells (
        table_id TEXT NOT NULL, row_idx INTEGER NOT NULL, doc_id TEXT NOT NULL,
        column_path TEXT NOT NULL, value DOUBLE PRECISION, text TEXT NOT NULL, unit TEXT NOT NULL,
        line INTEGER NOT NULL, page INTEGER,
        FOREIGN KEY (table_id, row_idx) REFERENCES rows (table_id, idx) ON DELETE CASCADE
    );
    CREATE INDEX cells_row ON cells(table_id, row_idx);
    CREATE TABLE indicators (
        indicator_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        table_title TEXT NOT NULL, project TEXT, project_amount DOUBLE PRECISION, level1 TEXT, level2 TEXT,
        level3 TEXT NOT NULL, value_text TEXT NOT NULL, comparator TEXT, number DOUBLE PRECISION, unit TEXT,
        note TEXT, line INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE facts (
        fact_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        section_id TEXT, section TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL, text TEXT NOT NULL, direction TEXT,
        quote TEXT NOT NULL, line INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE chunks (
        chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        kind TEXT NOT NULL, text TEXT NOT NULL, dense_text TEXT, department TEXT NOT NULL,
        year INTEGER NOT NULL,
        section TEXT, table_title TEXT, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
        page INTEGER
    );
    """,
    # 2: the kind of each table across publishers (部门收支预算表, 收入支出决算总表 …); NULL in
    # stores written before it
    """
    ALTER TABLE budget_tables ADD COLUMN kind TEXT;
    CREATE INDEX documents_department_year ON documents(department, year);
    """,
    # 3: every per-document read was a scan: an index on each child table's document
    """
    CREATE INDEX sections_doc ON sections(doc_id);
    CREATE INDEX budget_tables_doc ON budget_tables(doc_id);
    CREATE INDEX rows_doc ON rows(doc_id);
    CREATE INDEX cells_doc ON cells(doc_id);
    CREATE INDEX indicators_doc ON indicators(doc_id);
    CREATE INDEX facts_doc ON facts(doc_id);
    CREATE INDEX chunks_doc ON chunks(doc_id);
    """,
    # 4: the app's conversations, kept across reloads: one row per turn, the answer as its JSON
    """
    CREATE TABLE conversations (
        conversation_id TEXT PRIMARY KEY, title TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP),
        updated_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
    );
    CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations ON DELETE CASCADE,
        idx INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, answer TEXT,
        created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP),
        PRIMARY KEY (conversation_id, idx)
    );
    """,
    # 5: the role of a narrative figure: the section's headline, or a detail of one fund or unit
    """
    ALTER TABLE facts ADD COLUMN role TEXT NOT NULL DEFAULT 'headline';
    """,
    # 6: the order records were found in, in a column of their own (PostgreSQL has no rowid, and
    # several figures of one line are read in order); SQLite stores keep theirs from the rowid
    {
        "all": """
        ALTER TABLE sections ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE budget_tables ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cells ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE indicators ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE facts ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE chunks ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
        """,
        "sqlite": """
        UPDATE sections SET ord = rowid;
        UPDATE budget_tables SET ord = rowid;
        UPDATE cells SET ord = rowid;
        UPDATE indicators SET ord = rowid;
        UPDATE facts SET ord = rowid;
        UPDATE chunks SET ord = rowid;
        """,
    },
    # 7: a counter every change of the documents raises in its own transaction: another process
    # answering from the same store sees new, replaced or removed documents by reading one row
    """
    CREATE TABLE store_revision (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
    INSERT INTO store_revision (id, revision) VALUES (1, 0);
    """,
    # 8: every file of an index run is looked up by its content: a scan per file made an
    # unchanged re-index grow with the square of the store
    """
    CREATE INDEX documents_sha256 ON documents(sha256);
    """,
    # 9: conversations belong to their owner (a browser's random id, or an account); accounts
    # with scrypt password hashes, and their sign-in sessions (a token's hash, never the token)
    """
    ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    CREATE INDEX conversations_owner ON conversations(owner, updated_at);
    CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
    );
    CREATE TABLE account_sessions (
        token_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,
        created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
    );
    """,
]
