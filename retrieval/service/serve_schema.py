"""The records of `budgetqa serve`'s requests and responses, with examples for /docs.

An answer is the contract of `budgetqa ask --json` (../shared/eval/README.md) with what the chat
shows beside it: the close readings offered when the question is unclear (`alternatives`) and the
data of its chart (`chart`). Every error is `{"code", "message"}`: a machine-readable code and a
Chinese message.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_CITATION = {
    "doc_id": "3f6c0a1b2d4e5f60", "department": "洛阳市西工区人民政府办公室", "year": 2025,
    "kind": "table", "table": "部门收支总表", "row": "支出总计", "column": "预算数",
    "section": None, "page": None, "quote": "支出总计 1074.61",
}
EXAMPLE_ANSWER = {
    "question": "西工区政府办今年的支出总共是多少？",
    "answer": "洛阳市西工区人民政府办公室2025年支出预算为1074.61万元[1]。",
    "answerable": True, "value": 1074.61, "unit": "万元", "verdict": None, "computation": None,
    "citations": [EXAMPLE_CITATION],
    "interpretation": "洛阳市西工区人民政府办公室 · 2025 · 支出总计",
    "alternatives": [], "chart": None,
}


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- requests ---------------------------------------------------------------------------------


class AskRequest(Record):
    """One question, optionally restricted to documents and following earlier turns."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "西工区政府办今年的支出总共是多少？"},
        {"question": "那去年呢？", "history": [["西工区政府办今年的支出总共是多少？", "1074.61万元"]]},
    ]})

    question: str = Field(description="the question, in Chinese (at most 500 characters)")
    doc_ids: list[str] | None = Field(None, description="answer from these documents only (GET /documents)")
    history: list[tuple[str, str]] | list[str] = Field(
        default_factory=list, description="earlier turns, oldest first: [question, answer] pairs or questions")


class UploadRequest(Record):
    """One file to index, as the app's uploader takes it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"file_name": "2025_某单位_部门预算.txt", "content_base64": "6YOo6Zeo6aKE566X..."}]})

    file_name: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(description="the file's bytes in base64")


# ---- responses --------------------------------------------------------------------------------


class CitationModel(Record):
    doc_id: str
    department: str
    year: int
    kind: Literal["table", "section"]
    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    page: int | None = None
    quote: str


class ChartSeries(Record):
    name: str  # "金额（万元）", or an item of a comparison ("三公经费")
    values: list[float | None]


class ChartModel(Record):
    """The data of the chart the chat draws for an answer: bars per label, one series each."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "breakdown", "title": "洛阳市西工区人民政府办公室2025年支出结构", "unit": "万元",
        "labels": ["基本支出", "项目支出"], "series": [{"name": "金额（万元）", "values": [833.26, 241.35]}],
        "source": "洛阳市西工区人民政府办公室2025年部门预算 · 部门支出预算表", "summary": "合计 1074.61 万元…"}]})

    kind: Literal["breakdown", "comparison"]
    title: str
    unit: str
    labels: list[str]
    series: list[ChartSeries]
    source: str
    summary: str = ""


class AnswerResponse(BaseModel):
    """The answer contract, with the readings offered and the chart data beside it."""

    # extra fields may be added beside the contract (the scorer reads only the contract's)
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [EXAMPLE_ANSWER]})

    question: str
    answer: str
    answerable: bool
    value: float | None
    unit: str | None
    verdict: bool | None
    computation: str | None
    citations: list[CitationModel]
    interpretation: str | None = None
    alternatives: list[str] = Field(default_factory=list,
                                    description="close readings of an unclear question, each askable as it is")
    chart: ChartModel | None = None


class DocumentModel(Record):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "doc_id": "3f6c0a1b2d4e5f60", "department": "洛阳市西工区人民政府办公室", "year": 2025,
        "kind": "部门预算", "title": "洛阳市西工区人民政府办公室2025年部门预算",
        "file_name": "2025_洛阳市西工区人民政府办公室_部门预算.txt", "region_level": "区县", "unit": "万元"}]})

    doc_id: str
    department: str
    year: int
    kind: str
    title: str
    file_name: str
    region_level: str
    unit: str


class UploadResponse(Record):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ok": True, "status": "indexed", "file_name": "2025_某单位_部门预算.txt",
        "message": "已收录 2025_某单位_部门预算.txt：某单位（2025年），找到 9 张表，现在可以提问了。",
        "doc_id": "9a8b7c6d5e4f3a2b"}]})

    ok: bool
    status: Literal["indexed", "unchanged"]
    file_name: str
    message: str
    doc_id: str | None = None


class DeleteResponse(Record):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "doc_id": "9a8b7c6d5e4f3a2b", "message": "已删除 2025_某单位_部门预算.txt（某单位，2025年）：它不再出现在回答和检索中。"}]})

    doc_id: str
    message: str


class HealthResponse(Record):
    status: Literal["ok"] = "ok"
    ready: bool
    documents: int | None = Field(None, description="documents stored (null while the engine loads)")
    pid: int


class ReadyResponse(Record):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"ready": True, "status": "ready", "message": "就绪：已载入 5 份文件和检索模型。", "unavailable": []},
        {"ready": False, "status": "unavailable", "message": "资料库服务器（PostgreSQL）暂时无法连接，请稍后再试。",
         "unavailable": ["database_unavailable"]}]})

    ready: bool
    status: Literal["starting", "ready", "empty", "failed", "unavailable"]
    message: str
    unavailable: list[str] = Field(default_factory=list, description="codes of the back ends that do not answer")


class ErrorResponse(Record):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "unknown_document", "message": "找不到文件 0123abcd：请用 GET /documents 查看已收录的文件。"}]})

    code: str = Field(description="machine-readable: unauthorized, unknown_document, request_too_large, …")
    message: str = Field(description="for a reader, in Chinese")
