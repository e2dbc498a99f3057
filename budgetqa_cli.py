"""The `budgetqa` command: a thin shell that parses arguments and calls the library."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from indexer import store
from indexer.failures import StoreWriteError, describe, shown
from indexer.outages import server_down
from indexer.settings import Settings

app = typer.Typer(add_completion=False, help="预算问答: index and query budget disclosures.")
console = Console()
errors = Console(stderr=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="store folder (default: $BUDGETQA_STORE or ./budgetqa_store)")
]


def settings_for(store_dir: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"store": store_dir}) if store_dir else settings


def open_store(settings: Settings, must_exist: bool = True, writable: bool = False):
    """The store's connection, or a one-line error: read-only unless the command writes (a
    reading command writes nothing, so it works on a full disk or another user's store)."""
    if must_exist and not store.exists(settings.database):
        errors.print(f"[red]error:[/red] no store at {_name(settings.store)}: run `budgetqa index PATH` first")
        raise typer.Exit(1)
    try:
        return store.connect(settings.database, writable=writable)
    except store.StoreError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(1) from None
    except Exception as error:  # a corrupt or foreign file where the store should be, a full disk
        if down := server_down(error, settings):
            typer.echo(f"error: {down}", err=True)  # one line, whatever the terminal's width
            raise typer.Exit(1) from None
        why = describe(error, settings.database) or shown(error)
        where = store.database.shown_url(settings.database) if store.is_url(settings.database) else settings.database
        typer.echo(f"error: cannot open the store {shown(where)}: {why}", err=True)  # one line
        raise typer.Exit(1) from None


def _name(path: object) -> str:
    """A file name for a rich message: control characters escaped, brackets not markup."""
    return escape(shown(path))


def _writable_or_exit(settings: Settings) -> None:
    """Stop a writing command at once, in one line, when any part of the store is read-only."""
    parts = [settings.database, settings.bm25_dir]
    if not settings.chroma_host:
        parts.append(settings.chroma_dir / "chroma.sqlite3")
    if any(store.is_read_only(p) for p in parts):
        typer.echo(f"error: {store.StoreReadOnly(settings.store)}", err=True)
        raise typer.Exit(1)


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to index")],
    store_dir: StoreOption = None,
    department: Annotated[str | None, typer.Option(
        "--department", help="department (or 市本级 …) of files that do not name it")] = None,
    year: Annotated[int | None, typer.Option("--year", help="year of files that do not state it")] = None,
) -> None:
    """Index budget disclosures (.txt .md .pdf .html .xlsx .xls .docx): unchanged files are skipped;
    a changed file, or a newer version of a department's year, replaces the older records."""
    if year is not None and not 1990 <= year <= 2100:
        errors.print(f"[red]error:[/red] --year {year} is not a budget year")
        raise typer.Exit(2)
    from indexer.limits import Limits
    from indexer.pipeline import Indexer, expand_paths
    from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client

    settings = settings_for(store_dir)
    _writable_or_exit(settings)
    conn = open_store(settings, must_exist=False, writable=True)
    embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    try:
        vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
    except Exception as error:  # Chroma failing to open its files (a full disk, permissions)
        if not (why := describe(error, settings.chroma_dir)):
            raise
        typer.echo(f"error     cannot open {shown(settings.chroma_dir)}: {why}", err=True)
        raise typer.Exit(1) from None
    indexer = Indexer(conn, vectors, settings.keywords, Limits.from_settings(settings))
    files = expand_paths(paths)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=errors, transient=True,
                      disable=not errors.is_terminal) as progress:  # no blank line in a log
            task = progress.add_task("indexing", total=len(files))
            indexer.embedding = _embedding_bar(progress)
            results = indexer.index(files, progress=lambda p: progress.advance(task),
                                    department=department, year=year)
    except StoreWriteError as error:  # disk full, permission denied: one line, not a traceback
        typer.echo(f"error     {error}; the store stays readable", err=True)
        raise typer.Exit(1) from None
    # one plain line per file: messages must stay whole lines, whatever the terminal width,
    # and so do file names (a newline in a name is shown as \n)
    for r in results:
        if r.status == "indexed":
            typer.echo(
                f"indexed   {shown(r.path.name)}: {r.department} {r.year} | tables {r.tables_found}/"
                f"{r.tables_listed} | rows {r.rows} (verified {r.rows_verified}/{r.rows_checkable})"
                f" | indicators {r.indicators} ({r.projects} projects) | facts {r.facts}"
                f" | chunks {r.chunks} | warnings {len(r.warnings)}"
            )
        elif r.status == "unchanged":
            typer.echo(f"unchanged {shown(r.path.name)}: {r.department} {r.year}")
        elif r.status == "superseded":
            typer.echo(f"skipped   {shown(r.path.name)}: {r.department} {r.year}, a newer version is stored")
    for r in results:
        for warning in r.warnings:
            typer.echo(f"warning   {shown(r.path.name)}: {warning}")
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        typer.echo(f"error     {shown(r.path)}: {r.message}", err=True)
    raise typer.Exit(1 if failed else 0)


LARGE_DOCUMENT = 200  # chunks: a document this large gets its own bar with the time left


def _embedding_bar(progress: Progress):
    """A bar per large document while its chunks are embedded (rich estimates the time left)."""
    tasks: dict[str, int] = {}

    def show(source, done: int, total: int) -> None:
        if total < LARGE_DOCUMENT:
            return
        name = shown(Path(str(source)).name)
        if name not in tasks:
            tasks[name] = progress.add_task(f"embedding {name} ({total} chunks)", total=total)
        progress.update(tasks[name], completed=done)
        if done >= total:
            progress.remove_task(tasks.pop(name))
    return show


@app.command()
def rename(
    doc: Annotated[str, typer.Argument(help="the document: id, id prefix, file name or department")],
    department: Annotated[str | None, typer.Option("--department", help="its department (or 市本级 …)")] = None,
    year: Annotated[int | None, typer.Option("--year", help="its budget year")] = None,
    store_dir: StoreOption = None,
) -> None:
    """Name a stored document's department and/or year (for a document that did not say, or said
    it wrongly); every process answering from the store sees the new name at once."""
    if department is None and year is None:
        errors.print("[red]error:[/red] give --department or --year (or both)")
        raise typer.Exit(2)
    if year is not None and not 1990 <= year <= 2100:
        errors.print(f"[red]error:[/red] --year {year} is not a budget year")
        raise typer.Exit(2)
    from indexer.pipeline import Indexer
    from indexer.rename import rename_document
    from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client

    settings = settings_for(store_dir)
    _writable_or_exit(settings)
    conn = open_store(settings, writable=True)
    document = _document(conn, doc)
    embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    indexer = Indexer(conn, VectorIndex(chroma_client(settings), settings.collection, embedder),
                      settings.keywords)
    try:
        renamed = rename_document(indexer, document.doc_id, department, year)
    except StoreWriteError as error:
        typer.echo(f"error     {error}; the store stays readable", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"renamed   {shown(document.file_name)}: {document.department} {document.year}"
               f" → {renamed.department} {renamed.year}")


@app.command()
def docs(store_dir: StoreOption = None) -> None:
    """List the indexed documents."""
    conn = open_store(settings_for(store_dir))
    out = RichTable("doc_id", "department", "year", "level", "shape", "tables", "file")
    for d in store.documents(conn):
        found = len(store.tables(conn, d.doc_id))
        out.add_row(d.doc_id, d.department, str(d.year), d.region_level, d.shape,
                    f"{found}/{len(d.listed_tables)}", _name(d.file_name))
    console.print(out)


@app.command()
def tables(doc: str, store_dir: StoreOption = None) -> None:
    """List the tables of one document (id, id prefix, file name or department)."""
    conn = open_store(settings_for(store_dir))
    document = _document(conn, doc)
    out = RichTable("#", "number", "title", "rows", "verified", "lines", "note")
    for k, t in enumerate(store.tables(conn, document.doc_id), start=1):
        checked = [r for r in t.rows if r.verified is not None]
        out.add_row(str(k), t.number or "", t.title, str(len(t.rows)),
                    f"{sum(1 for r in checked if r.verified)}/{len(checked)}",
                    f"{t.line_start}-{t.line_end}", t.empty_note or "")
    console.print(f"{document.department} {document.year} ({document.doc_id})")
    console.print(out)


@app.command()
def table(
    doc: str,
    table_ref: Annotated[str, typer.Argument(metavar="TABLE", help="number in `tables`, 预算NN表 or title")],
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    store_dir: StoreOption = None,
) -> None:
    """Show one table with its rows and cells (CSV: cells that a spreadsheet would run as a formula
    are quoted, numbers kept)."""
    from ui.csv_cells import safe_row

    conn = open_store(settings_for(store_dir))
    document = _document(conn, doc)
    all_tables = store.tables(conn, document.doc_id)
    chosen = _pick_table(all_tables, table_ref)
    header = ["行", "编码", "类别", *chosen.columns, "核对"]
    body = []
    for r in chosen.rows:
        by_column = {c.column: c.text for c in r.cells}
        check = {True: "✓", False: "✗", None: ""}[r.verified]
        body.append([r.label, r.code or "", r.category or "", *[by_column.get(c, "") for c in chosen.columns], check])
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(safe_row(header))
        writer.writerows(safe_row(line) for line in body)
        return
    out = RichTable(*header, title=f"{chosen.number or ''} {chosen.title}（单位：{chosen.unit}）")
    for line in body:
        out.add_row(*line)
    console.print(out)
    if chosen.empty_note:
        console.print(chosen.empty_note)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    store_dir: StoreOption = None,
) -> None:
    """Print every table value as one fact per line, with its source."""
    from ui.csv_cells import safe_cell

    if fmt not in ("jsonl", "csv"):
        errors.print(f"[red]error:[/red] unknown format {fmt!r}: use jsonl or csv")
        raise typer.Exit(2)
    conn = open_store(settings_for(store_dir))
    facts = store.export_facts(conn)
    if fmt == "jsonl":
        for fact in facts:
            sys.stdout.write(json.dumps(fact, ensure_ascii=False) + "\n")
        return
    writer = None
    for fact in facts:
        if writer is None:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(fact))
            writer.writeheader()
        writer.writerow({k: safe_cell(v) for k, v in fact.items()})


@app.command()
def audit(
    doc: Annotated[str | None, typer.Option("--doc", help="one document (id, id prefix, file name or department)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the findings as a JSON array")] = False,
    store_dir: StoreOption = None,
) -> None:
    """Show where a document contradicts itself (tables, text, indicators), citing both places."""
    from retrieval.audit import audit_all, audit_document

    conn = open_store(settings_for(store_dir))
    findings = audit_document(conn, _document(conn, doc).doc_id) if doc else audit_all(conn)
    if as_json:
        typer.echo(json.dumps([f.contract() for f in findings], ensure_ascii=False, indent=2))
        return
    if not findings:
        typer.echo("no findings")
        return
    for f in findings:
        typer.echo(f"[{f.severity}] {f.department} {f.year} · {f.kind}: {f.message}")
        if f.note:
            typer.echo(f"    说明: {f.note}")
        for c in f.citations:
            where = " / ".join(x for x in (c.table or c.section, c.row, c.column) if x)
            typer.echo(f"    - {where} (line {c.line}): {c.quote[:80]}")


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="the question")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="a file with one question per line")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer contract JSON")] = False,
    session: Annotated[Path | None, typer.Option(
        "--session", help="a conversation file (JSON): follow-ups (那去年呢？) read the earlier turns; "
                          "the new turn is added")] = None,
    store_dir: StoreOption = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="with --batch: worker processes over the one store, answers in input order")] = 1,
) -> None:
    """Answer a question (or a file of questions, one per line) from the indexed documents."""
    from retrieval.service.batch import answer_all, answer_one
    from retrieval.service.engine import QuestionError

    settings = settings_for(store_dir)
    if workers < 1:
        errors.print(f"[red]error:[/red] --workers {workers}: at least 1")
        raise typer.Exit(2)
    if batch is not None:
        if not batch.exists():
            errors.print(f"[red]error:[/red] no such file: {batch}")
            raise typer.Exit(1)
        questions = [line.strip() for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
        if workers > 1:
            open_store(settings).close()  # a missing store is told here, once, not by each worker
            for answer in answer_all(settings, questions, workers):
                _show_answer(answer, as_json)
            return
        engine = _responder(settings, _engine(settings))
        for line in questions:
            _show_answer(answer_one(engine, line), as_json)
        return
    engine = _responder(settings, _engine(settings))
    if question is None:
        errors.print("[red]error:[/red] give a QUESTION or --batch FILE")
        raise typer.Exit(2)
    history = _read_session(session) if session else []
    try:
        answer = engine.answer(question, history=[tuple(t) for t in history])
    except QuestionError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    if session:
        session.write_text(json.dumps(history + [[question, answer.answer]], ensure_ascii=False), encoding="utf-8")
    _show_answer(answer, as_json)


def _read_session(path: Path) -> list[list[str]]:
    """Earlier turns of a conversation file: [[question, answer], …]; a new file starts empty."""
    if not path.exists():
        return []
    try:
        turns = json.loads(path.read_text(encoding="utf-8") or "[]")
    except (ValueError, UnicodeDecodeError):
        errors.print(f"[red]error:[/red] {path}: not a conversation file (JSON list of [question, answer])")
        raise typer.Exit(1) from None
    if not isinstance(turns, list) or not all(isinstance(t, list) and len(t) == 2 for t in turns):
        errors.print(f"[red]error:[/red] {path}: not a conversation file (JSON list of [question, answer])")
        raise typer.Exit(1)
    return turns


def _responder(settings: Settings, engine):
    from retrieval.service import Responder

    return Responder.open(settings, engine, on_note=lambda note: errors.print(
        f"[yellow]note:[/yellow] {note}", highlight=False))


def _show_answer(answer, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(answer.response(), ensure_ascii=False))
        return
    typer.echo(answer.answer)
    for warning in answer.warnings:
        typer.echo(f"注意：{warning}")
    if answer.interpretation:
        typer.echo(f"我理解为：{answer.interpretation}")
    if answer.computation:
        typer.echo(f"计算：{answer.computation}")
    for c in answer.citations:
        where = "，".join(x for x in (c.table, c.row, c.column, c.section) if x)
        place = f"第{c.page}页" if c.page else (f"第{c.line}行" if c.line else "")
        typer.echo(f"  [{c.department} {c.year}] {where} {place}：{c.quote[:80]}")


@app.command("eval")
def evaluate_gold(
    gold: Annotated[Path, typer.Argument(help="gold questions (JSONL)")],
    corpus: Annotated[Path | None, typer.Option("--corpus", help="folder of the gold documents")] = None,
    store_dir: StoreOption = None,
) -> None:
    """Score the engine on a gold file and print per-category pass rates and each failure."""
    from retrieval.service.engine import QuestionError
    from retrieval.service.evaluate import (
        MismatchedAnswers, documents_from_corpus, evaluate, format_report, gold_documents,
    )
    from retrieval.records import Answer

    items = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = _engine(settings_for(store_dir))
    answers = []
    for item in items:
        try:
            answers.append(engine.answer(item["question"]))
        except QuestionError as error:
            answers.append(Answer(question=item["question"], answer=str(error), answerable=False))
    corpus_dir = corpus or gold.resolve().parent.parent / "corpus"
    try:
        report = evaluate(items, answers, documents_from_corpus(corpus_dir, gold_documents(items)))
    except MismatchedAnswers as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    typer.echo(format_report(report))


@app.command()
def serve(
    store_dir: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(
        "--workers", help="worker processes over the one store, each with its own engine")] = 1,
) -> None:
    """Serve answers as an HTTP JSON API: POST /ask {question, doc_ids?, history?} (the contract of
    `ask --json`), GET /health, GET /ready, GET /documents, POST /documents {file_name,
    content_base64}, DELETE /documents/{id}; the interface at /docs. BUDGETQA_API_KEYS: keys
    required as `Authorization: Bearer <key>`."""
    from retrieval.service.serve import run

    if workers < 1:
        errors.print(f"[red]error:[/red] --workers {workers}: at least 1")
        raise typer.Exit(2)
    settings = settings_for(store_dir)
    conn = open_store(settings)  # a missing or empty store is told here, not in each worker
    count = len(store.documents(conn))
    conn.close()
    if not count:
        errors.print(f"[red]error:[/red] the store at {_name(settings.store)} holds no documents:"
                     " run `budgetqa index PATH`")
        raise typer.Exit(1)
    typer.echo(f"serving {count} documents on http://{host}:{port}"
               f" ({workers} worker{'s' if workers > 1 else ''})", err=True)
    run(settings, host=host, port=port, workers=workers)


def _engine(settings: Settings):
    from retrieval.service import StoreMissing, open_engine

    try:
        return open_engine(settings, read_only=True)
    except StoreMissing as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None


def _document(conn, ref: str):
    document = store.find_document(conn, ref)
    if document is None:
        errors.print(f"[red]error:[/red] no document matches {ref!r}; see `budgetqa docs`")
        raise typer.Exit(1)
    return document


def _pick_table(all_tables, ref: str):
    if ref.isdigit() and 1 <= int(ref) <= len(all_tables):
        return all_tables[int(ref) - 1]
    from indexer.parse.layout import clean_title

    wanted = clean_title(ref)
    for t in all_tables:
        if wanted in (t.number or "", t.title) or wanted in t.title:
            return t
    errors.print(f"[red]error:[/red] no table matches {ref!r}; see `budgetqa tables`")
    raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except Exception as error:  # a server of the store down: one line naming it, not a traceback
        down = server_down(error, Settings())
        if down is None:
            raise
        typer.echo(f"error: {down}", err=True)  # one line, whatever the terminal's width
        sys.exit(1)


if __name__ == "__main__":
    main()
