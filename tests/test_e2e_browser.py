"""End to end in a real browser: `streamlit run app.py` on a free port over a copy of the session's
corpus store (the upload test writes to it), driven by Debian's headless Chromium through
Playwright. `make test` installs chromium and fonts-noto-cjk first. Screenshots land in
tests/artifacts/ at desktop (1280×900) and phone (390×844) sizes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from indexer import store
from retrieval.records import Answer
from tests import pdf_fixtures
from tests.conftest import CHANHE, DATA
from ui import accounts, conversations

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
CHANHE_DEPT = "洛阳市瀍河回族区行政审批和政务信息管理局"
MEDICAL = "瀍河区审批局2025年的行政单位医疗预算是多少？"
BROWSER_TOKEN = "e2e-browser"  # the browser's cookie: the conversation saved below is its own
ANSWER_TIMEOUT = 120_000  # ms: the first question of a fresh server loads the engine
UPLOAD_TIMEOUT = 120_000  # ms: the upload embeds a short document on two shared cores
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# ASCII words a reader may see on the main screen: units, formats and file names
ALLOWED_ASCII = {"MB", "KB", "PDF", "CSV", "TXT", "MD", "HTML", "XLSX", "XLS", "DOCX", "txt", "pdf", "csv"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def e2e_store(corpus_index, tmp_path_factory) -> Path:
    """A copy of the session's corpus store (the upload below changes it), with one conversation
    saved whose answer offers alternatives (the engine offers them rarely)."""
    source = corpus_index[1].store
    target = tmp_path_factory.mktemp("e2e") / "store"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("facts.sqlite*"))
    with sqlite3.connect(source / "facts.sqlite") as src, sqlite3.connect(target / "facts.sqlite") as dst:
        src.backup(dst)  # a consistent copy while the session's connection is open
    conn = store.connect(target / "facts.sqlite")
    unsure = Answer(question="区政府办2025年的经费是多少？", answer="这个问题可以有几种理解，请说明是哪一种。",
                    answerable=True, intent="alternatives",
                    alternatives=["区政府办2025年办公费是多少？", "区政府办2025年公用经费是多少？"])
    conversations.save_turn(conn, accounts.browser_owner(BROWSER_TOKEN), "alternatives",
                            conversations.Turn(question=unsure.question, answer=unsure))
    conn.close()
    return target


@pytest.fixture(scope="module")
def server(e2e_store, model_dir, tmp_path_factory):
    """The app served over the copied store; yields its URL."""
    port = free_port()
    env = {**os.environ, "BUDGETQA_STORE": str(e2e_store),
           "BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
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
        # the server log must not show English progress bars of the model loading
        assert "Loading weights" not in Path(log.name).read_text(errors="replace")


@pytest.fixture(scope="module")
def browser(server):
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make test` (it installs chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True,
            viewport=DESKTOP, locale="zh-CN",
        )
        context.add_cookies([{"name": "budgetqa_browser", "value": BROWSER_TOKEN, "url": server}])
        yield context
        context.close()


def open_app(browser, url: str):
    page = browser.new_page()
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    return page


def ask(page, question: str, expect: str, timeout: int = ANSWER_TIMEOUT):
    """Type a question and wait for the answer holding `expect`; the answer's chat message."""
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").filter(has_text=expect).last
    answer.wait_for(timeout=timeout)
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stChatMessage]').length >= {before + 2}")
    return answer


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.wait_for_timeout(800)  # let charts and tables paint
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


QUESTIONS = {  # five sessions asking at once: each must get its own answer
    "瀍河区审批局2025年的行政单位医疗预算是多少？": "15.58",
    "2025年瀍河区行政审批和政务信息管理局给住房公积金安排了多少预算？": "15.28",
    "洛阳市西工区人民政府办公室2025年在金融支出上安排了多少钱？": "81.23",
    "2023年洛阳市西工区西工街道办事处的收入总计有多少？": "1909.07",
    "洛阳市西工区政务服务和大数据管理局2023年的基本支出占比是多少？": "20.70",
}


def test_five_browser_sessions_asking_at_once_all_get_their_answers(server, browser):
    pages = []
    for question in QUESTIONS:
        page = open_app(browser, server)
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


def test_a_citation_opens_to_its_row_under_the_table_header(server, browser):
    page = open_app(browser, server)
    answer = ask(page, MEDICAL, "15.58")
    assert "15.58万元[1]" in answer.inner_text().replace(" ", "")  # the marker after the figure
    cited = answer.get_by_test_id("stExpander").filter(has_text="[1]").first
    cited.wait_for(state="visible", timeout=30_000)  # the citations render after the figure
    cited.locator("summary").click()
    table = cited.get_by_test_id("stTable")
    table.wait_for(timeout=30_000)
    header = table.locator("thead").inner_text()
    assert "项目" in header and "合计" in header and "基本支出/小计" in header  # the table's header row
    rows = table.locator("tbody tr")
    assert rows.count() >= 3 and "行政单位医疗" in table.inner_text()  # among its neighbours
    assert "单位：万元" in cited.inner_text() and "部门支出预算表" in cited.inner_text()
    shot(page, "e2e_citation.png")
    page.close()


def test_a_follow_up_and_a_list_answer_as_a_table(server, browser):
    page = open_app(browser, server)
    ask(page, "西工区政府办2025年项目支出多少？", "241.35")
    follow = ask(page, "那瀍河审批局呢？", "70.68")
    assert "按上文理解为" in follow.inner_text()
    listed = ask(page, "西工区大数据局金额排前三的项目合计是多少？", "智慧平台建设")
    table = listed.get_by_test_id("stTable").first
    text = table.inner_text()
    assert "智慧平台建设(签批)" in text and "政府购买服务" in text and "500.00" in text
    listed.get_by_test_id("stDownloadButton").wait_for(timeout=30_000)  # drawn after the table
    assert listed.get_by_test_id("stDownloadButton").count() == 1
    page.close()


def test_alternatives_are_buttons_and_a_conversation_survives_a_reload(server, browser):
    page = open_app(browser, f"{server}/?c=alternatives")  # a saved conversation, reopened by its address
    option = page.get_by_role("button", name="区政府办2025年办公费是多少？")
    option.wait_for(timeout=60_000)
    option.click()  # an alternative is asked as a question
    page.get_by_test_id("stChatMessage").filter(has_text="4.00").last.wait_for(timeout=ANSWER_TIMEOUT)
    page.reload()
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    reopened = page.get_by_test_id("stChatMessage").filter(has_text="4.00").last
    reopened.wait_for(timeout=60_000)  # the answer given before the reload is still there
    assert page.get_by_test_id("stChatMessage").count() == 4 and "c=alternatives" in page.url
    page.close()


def small_budget_pdf(folder: Path) -> Path:
    """A short PDF budget (title, 部门概况 and three tables of the 瀍河 document, as of 2024): a new
    document for the store, quick to index."""
    lines = (DATA / CHANHE).read_text(encoding="utf-8").split("\n")
    text = folder / "瀍河审批局.txt"
    text.write_text("\n".join(lines[:8] + lines[36:70] + lines[170:244]).replace("2025", "2024"), encoding="utf-8")
    return pdf_fixtures.render_text_document(text, folder / "瀍河审批局.pdf")


def test_an_upload_shows_progress_while_a_question_is_answered(server, browser, tmp_path):
    pdf = small_budget_pdf(tmp_path)
    page = open_app(browser, server)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
    progress = page.get_by_text(re.compile("正在收录第 1/1 个文件「瀍河审批局.pdf」"))
    progress.wait_for(timeout=60_000)
    answer = ask(page, "西工区政府办2025年项目支出多少？", "241.35")  # the page stays usable
    assert answer.get_by_test_id("stMetricValue").inner_text() == "241.35 万元"
    page.get_by_text("上传完成：1 个文件全部处理成功。").wait_for(timeout=UPLOAD_TIMEOUT)
    assert page.get_by_text(re.compile("已收录 瀍河审批局.pdf")).count() == 1
    answer = ask(page, MEDICAL.replace("2025", "2024"), "15.58")  # from the PDF: the citation shows the page
    cited = answer.get_by_test_id("stExpander").filter(has_text="[1]").first
    cited.wait_for(state="visible", timeout=30_000)
    assert "页" in cited.locator("summary").inner_text()
    cited.locator("summary").click()
    picture = cited.get_by_test_id("stImage").filter(has_text="红框")  # the whole page, under the cited row's strip
    picture.wait_for(timeout=30_000)
    width = picture.locator("img").evaluate(
        "i => i.complete && i.naturalWidth ? i.naturalWidth : new Promise(r => { i.onload = () => r(i.naturalWidth); })")
    assert "原文第" in cited.inner_text() and width > 800
    picture.scroll_into_view_if_needed()  # the screenshot shows the picture of the page
    shot(page, "e2e_pdf_citation.png")
    page.close()


VISIBLE_TEXT = """() => {
  // the text a reader sees in the main area: rendered text nodes, not icon ligatures (Material font)
  const root = document.querySelector('[data-testid="stMain"], .stMain, [data-testid="stMainBlockContainer"]');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('svg, style, script') || !el.checkVisibility()) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;
    out.push(walker.currentNode.textContent);
  }
  return out.join('\\n');
}"""


def english_words(text: str, names: set[str]) -> list[str]:
    """ASCII words a reader sees that are neither units, formats nor names."""
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_ASCII and w not in names]


def test_the_main_screen_is_chinese_at_desktop_and_phone_sizes(server, browser):
    page = open_app(browser, server)
    ask(page, "西工区政府办和瀍河区审批局2025年的三公经费谁多？", "区政府办")
    answer = ask(page, MEDICAL, "15.58")
    answer.get_by_test_id("stExpander").filter(has_text="[1]").first.locator("summary").click()
    answer.get_by_test_id("stTable").first.wait_for(timeout=30_000)
    assert english_words(page.evaluate(VISIBLE_TEXT), set()) == []
    shot(page, "e2e_desktop.png")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(800)
    assert english_words(page.evaluate(VISIBLE_TEXT), set()) == []
    shot(page, "e2e_phone.png")
    page.close()
