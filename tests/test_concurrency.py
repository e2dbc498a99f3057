"""Five sessions asking at once share one engine (as the app's st.cache_resource does) and each
gets its own correct answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer.settings import Settings
from retrieval.service import open_engine
from tests.test_app import new_app

APP = str(Path(__file__).resolve().parents[1] / "app.py")
QUESTIONS = {
    "瀍河区审批局2025年的行政单位医疗预算是多少？": 15.58,
    "2025年瀍河区行政审批和政务信息管理局给住房公积金安排了多少预算？": 15.28,
    "洛阳市西工区人民政府办公室2025年在金融支出上安排了多少钱？": 81.23,
    "2023年洛阳市西工区西工街道办事处的收入总计有多少？": 1909.07,
    "洛阳市西工区政务服务和大数据管理局2023年的基本支出占比是多少？": 20.70,
}
NARRATIVE = "2023年洛阳市西工区政务服务和大数据管理局拿哪个项目做部门重点绩效评价？"


@pytest.fixture(scope="module")
def engine(corpus_index, model_dir):
    return open_engine(Settings(store=corpus_index[1].store, embedding_model=str(model_dir)))


def test_five_threads_asking_one_engine_at_once_get_correct_answers(engine):
    start = threading.Barrier(len(QUESTIONS) + 1)

    def ask(question: str):
        start.wait()
        # each session asks its question several times, interleaved with a text search
        return [engine.answer(q) for q in (question, NARRATIVE, question, question)]

    with ThreadPoolExecutor(len(QUESTIONS) + 1) as pool:
        futures = {q: pool.submit(ask, q) for q in [*QUESTIONS, NARRATIVE]}
        results = {q: f.result(timeout=300) for q, f in futures.items()}
    for question, value in QUESTIONS.items():
        answers = [a for a in results[question] if a.question == question]
        assert [round(a.value, 2) for a in answers] == [value] * 3, question
        assert all(a.citations for a in answers)
    narratives = [a for r in results.values() for a in r if a.question == NARRATIVE]
    assert len({a.answer for a in narratives}) == 1 and narratives[0].citations  # same answer every time


def test_five_app_sessions_asking_at_once_get_correct_answers(corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    sessions = [new_app(timeout=300).run() for _ in QUESTIONS]
    start = threading.Barrier(len(sessions))

    def ask(at: AppTest, question: str) -> list[str]:
        start.wait()
        at.chat_input[0].set_value(question).run()
        assert not at.exception, at.exception
        return [m.value for m in at.main.get("chat_message")[-1].get("metric")]

    with ThreadPoolExecutor(len(sessions)) as pool:
        metrics = list(pool.map(ask, sessions, QUESTIONS))
    for found, (question, value) in zip(metrics, QUESTIONS.items()):
        assert found and found[0].startswith(f"{value:.2f}"), (question, found)
