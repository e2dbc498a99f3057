"""End to end in a real browser: `streamlit run app.py` on a free port, driven by Debian's headless
Chromium through Playwright. `make test` installs chromium and fonts-noto-cjk first."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
CHANHE_DEPT = "洛阳市瀍河回族区行政审批和政务信息管理局"
ANSWER_TIMEOUT = 120_000  # ms: the first question of a fresh server loads the engine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(corpus_index, model_dir, tmp_path_factory):
    """The app served over the session's corpus store; yields its URL."""
    port = free_port()
    env = {**os.environ, "BUDGETQA_STORE": str(corpus_index[1].store),
           "BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, f"streamlit exited: see {log.name}"
            assert time.monotonic() < deadline, "streamlit did not become healthy in 60 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make test` (it installs chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True,
            viewport={"width": 1400, "height": 1000}, locale="zh-CN",
        )
        yield context
        context.close()


def ask(page, url: str, question: str) -> None:
    page.goto(url)
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")


def test_a_question_is_answered_in_the_browser_with_its_citation(server, browser):
    page = browser.new_page()
    ask(page, server, "瀍河区审批局2025年的行政单位医疗预算是多少？")
    answer = page.get_by_test_id("stChatMessage").filter(has_text="15.58").last
    answer.wait_for(timeout=ANSWER_TIMEOUT)
    assert answer.is_visible()
    cited = answer.get_by_test_id("stExpander").filter(has_text=f"{CHANHE_DEPT}2025年部门预算").first
    cited.wait_for(state="visible", timeout=30_000)  # the citations render after the figure
    assert cited.is_visible() and "部门支出预算表" in cited.inner_text()
    cited.get_by_text("部门支出预算表").first.click()  # open one citation: its row with the cell
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # let the chart and the dataframe canvas paint
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "e2e_answer.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


QUESTIONS = {  # five sessions asking at once: each must get its own answer
    "瀍河区审批局2025年的行政单位医疗预算是多少？": "15.58",
    "2025年瀍河区行政审批和政务信息管理局的住房公积金预算是多少？": "15.28",
    "洛阳市西工区人民政府办公室2025年金融支出安排了多少？": "81.23",
    "2023年洛阳市西工区西工街道办事处收入总计是多少？": "1909.07",
    "洛阳市西工区政务服务和大数据管理局2023年的基本支出占比是多少？": "20.70",
}


def test_five_browser_sessions_asking_at_once_all_get_their_answers(server, browser):
    pages = []
    for question in QUESTIONS:
        page = browser.new_page()
        page.goto(server)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
        page.get_by_test_id("stChatInputTextArea").fill(question)
        pages.append(page)
    for page in pages:  # submitted back to back: the server answers the five sessions concurrently
        page.get_by_test_id("stChatInputTextArea").press("Enter")
    for page, (question, value) in zip(pages, QUESTIONS.items()):
        reply = page.get_by_test_id("stChatMessage").filter(has_text=value).last
        reply.wait_for(timeout=ANSWER_TIMEOUT)
        metric = reply.get_by_test_id("stMetricValue").inner_text()
        assert value in metric, (question, metric)
        page.close()
