"""The chat as readers meet it, in Debian's Chromium through Playwright, served the way `make run`
serves it (`streamlit run chat.py`): a Chinese page at once while the engine loads, then usable
when /ready says so; each browser sees only its own conversations; no English in the main
screen, the sidebar, their tooltips or their screen-reader labels; and a phone's layout
(390×844), with screenshots in tests/artifacts/ to look at."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import pdf_fixtures
from tests.conftest import CHANHE, DATA, copy_store, make_indexer

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ANSWER_TIMEOUT = 120_000  # ms
PAGE_SHOWN_WITHIN = 3.0  # s after the server answers its health check
MEDICAL_2024 = "瀍河区审批局2024年的行政单位医疗预算是多少？"  # answered from the PDF below
# ASCII a reader may see: units, formats, file names
ALLOWED_ASCII = {"MB", "KB", "PDF", "CSV", "TXT", "MD", "HTML", "XLSX", "XLS", "DOCX", "PNG", "SVG",
                 "txt", "pdf", "csv"}

ENGLISH = """() => {
  // every text node a reader sees or a screen reader reads (not icon ligatures, not <noscript>),
  // and every label a screen reader or a tooltip says, in the whole document
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('svg, style, script, noscript')) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;
    if (!el.checkVisibility() && !el.closest('[role=tooltip], [aria-live]')) continue;
    out.push(walker.currentNode.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-roledescription]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-roledescription'])
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
  return out.join('\\n');
}"""


def english_words(text: str) -> list[str]:
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_ASCII})


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make test` (it installs chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chat_store(corpus_index, embedder, tmp_path_factory) -> Path:
    """A copy of the corpus store with a short PDF budget added (a citation with a page picture)."""
    folder = tmp_path_factory.mktemp("chat")
    target = copy_store(corpus_index[1].store, folder / "store")
    lines = (DATA / CHANHE).read_text(encoding="utf-8").split("\n")
    text = folder / "瀍河审批局2024.txt"
    text.write_text("\n".join(lines[:8] + lines[36:70] + lines[170:244]).replace("2025", "2024"), encoding="utf-8")
    pdf = pdf_fixtures.render_text_document(text, folder / "瀍河审批局2024.pdf")
    indexer, _ = make_indexer(target, embedder)
    assert indexer.index([pdf])[0].status == "indexed"
    indexer.conn.close()
    return target


@pytest.fixture(scope="module")
def chat_server(chat_store, model_dir, chromium, tmp_path_factory):
    """`streamlit run chat.py` over the store. Before yielding, a page is opened as soon as the
    server answers, and what it showed is kept: {url, shown_after, starting, ready_then}."""
    from tests.servers import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BUDGETQA_STORE": str(chat_store), "BUDGETQA_EMBEDDING_MODEL": str(model_dir),
           "HF_HUB_OFFLINE": "1"}
    env.pop("BUDGETQA_LLM_MODEL", None)
    log = tmp_path_factory.mktemp("chat-log") / "streamlit.log"
    page = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()  # ready before the server
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "chat.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while get(f"{url}/_stcore/health") != 200:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        started = time.monotonic()
        page.goto(url)
        shown = page.get_by_text(re.compile("正在启动问答引擎|请输入关于部门预算的问题"))
        shown.first.wait_for(timeout=60_000)  # generous: the bound is asserted by the test
        seen = {"url": url, "shown_after": time.monotonic() - started,
                "starting": page.get_by_text("正在启动问答引擎").count() > 0,
                "ready_then": get(f"{url}/ready")}
        seen["page"] = page
        yield seen
    finally:
        page.context.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        assert "Loading weights" not in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def ready_url(chat_server) -> str:
    deadline = time.monotonic() + 300
    while get(f"{chat_server['url']}/ready") != 200:
        assert time.monotonic() < deadline, "/ready never answered 200"
        time.sleep(0.5)
    return chat_server["url"]


def open_chat(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    return page


def ask(page, question: str, expect: str):
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").filter(has_text=expect).last
    answer.wait_for(timeout=ANSWER_TIMEOUT)
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stChatMessage]').length >= {before + 2}")
    return answer


def shot(page, name: str, focus=None) -> Path:
    """A screenshot of the viewport, scrolled to `focus` (a locator) when given."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.wait_for_timeout(800)  # let charts and tables paint
    if focus is not None:
        focus.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


# ---- start-up -----------------------------------------------------------------------------------


def test_a_chinese_page_is_shown_at_once_while_the_engine_loads(chat_server):
    assert chat_server["shown_after"] < PAGE_SHOWN_WITHIN
    assert chat_server["starting"] and chat_server["ready_then"] == 503  # before the model was ready


def test_the_page_is_usable_once_ready(chat_server, ready_url):
    page = chat_server["page"]  # the page opened during start-up refreshes itself
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    answer = ask(page, "西工区政府办今年总共要花多少钱？", "1074.61")
    assert "1074.61" in answer.get_by_test_id("stMetricValue").inner_text()


# ---- whose conversations ------------------------------------------------------------------------


def test_two_browsers_do_not_see_each_others_conversations(chromium, ready_url):
    alice = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    bob = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        page = open_chat(alice, ready_url)
        ask(page, "西工区政府办2025年项目支出多少？", "241.35")
        page.wait_for_url(re.compile(r"\?c="))
        address = page.url
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text(re.compile("西工区政府办2025年项目支出多少")).wait_for(timeout=30_000)
        page.reload()  # the same browser keeps its conversations (its token is in a cookie)
        page.get_by_test_id("stChatMessage").filter(has_text="241.35").wait_for(timeout=60_000)

        other = open_chat(bob, ready_url)
        assert other.get_by_test_id("stSidebar").get_by_text("西工区政府办2025年项目支出多少").count() == 0
        other.goto(address)  # even with the address, another browser cannot open it
        other.get_by_text("找不到这个对话").wait_for(timeout=60_000)
        assert other.get_by_test_id("stChatMessage").count() == 0
        assert alice.cookies()[0]["value"] != bob.cookies()[0]["value"]
    finally:
        alice.close()
        bob.close()


# ---- Chinese only -------------------------------------------------------------------------------


def _hover(page, element) -> bool:
    """Hover an element's top-left corner (the chart's own layers take the pointer: forced). An
    element still laying itself out, or a toolbar of another element that scrolled away, can be
    reported outside the viewport: wait and try again, then say it was not hovered."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(3):
        try:
            element.scroll_into_view_if_needed(timeout=5000)
            element.hover(force=True, position={"x": 4, "y": 4}, timeout=5000)
            return True
        except PlaywrightError:
            page.wait_for_timeout(1000)
    return False


def hover_toolbars(page) -> str:
    """Hover every element with a toolbar and every toolbar button; the English seen meanwhile."""
    seen, hovered = "", 0
    for test_id in ("stVegaLiteChart", "stDataFrame", "stTable"):
        for element in page.get_by_test_id(test_id).all():
            if not element.is_visible() or not _hover(page, element):
                continue
            page.wait_for_timeout(300)
            for button in page.locator("[data-testid=stElementToolbar] button").all():
                if button.is_visible() and _hover(page, button):
                    hovered += 1
                    page.wait_for_timeout(600)  # the tooltip shows
                    seen += page.evaluate(ENGLISH)
    assert hovered >= 3, "no toolbar button could be hovered: the check saw no tooltip"
    return seen


def test_no_english_in_the_screen_its_tooltips_or_its_labels(chromium, ready_url):
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        page = open_chat(context, ready_url)
        ask(page, "西工区政府办钱都花在哪了？", "行政运行")
        listed = ask(page, "西工区大数据局金额排前三的项目合计是多少？", "智慧平台建设")
        listed.get_by_test_id("stExpander").first.locator("summary").click()
        seen = page.evaluate(ENGLISH)
        seen += hover_toolbars(page)
        page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first.click()  # 全选, options …
        page.wait_for_timeout(600)
        seen += page.evaluate(ENGLISH)
        page.keyboard.press("Escape")
        page.get_by_role("button", name="表格浏览").click()
        page.get_by_test_id("stDialog").get_by_test_id("stDataFrame").wait_for(timeout=30_000)
        seen += page.evaluate(ENGLISH) + hover_toolbars(page)
        shot(page, "chat_table_browser.png")
        assert english_words(seen) == [], [x for x in seen.splitlines() if english_words(x)][:20]
        assert "全屏" in seen and "发送" in seen  # the labels are there, in Chinese
    finally:
        context.close()


# ---- a phone ------------------------------------------------------------------------------------


def test_phone_layout(chromium, ready_url):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                   device_scale_factor=2)
    try:
        page = open_chat(context, ready_url)
        sidebar = page.get_by_test_id("stSidebar")
        page.get_by_test_id("stExpandSidebarButton").click()
        sidebar.get_by_role("button", name="新对话").wait_for(timeout=30_000)
        shot(page, "phone_sidebar.png")
        sidebar.get_by_role("button", name="新对话").click()
        page.wait_for_function("document.querySelector('[data-testid=stSidebar]').getAttribute('data-collapsed') === 'true'",
                               timeout=30_000)  # closed: the chat is in view again

        answer = ask(page, "西工区政府办钱都花在哪了？", "行政运行")
        chart = answer.get_by_test_id("stVegaLiteChart")
        chart.scroll_into_view_if_needed()
        width = chart.evaluate("e => e.getBoundingClientRect().width")
        assert width > 300  # the whole width of the phone, labels above the bars
        code = answer.get_by_test_id("stCode")
        assert code.evaluate("e => { const p = e.querySelector('pre'); return p.scrollWidth <= p.clientWidth + 1; }")
        shot(page, "phone_chart_formula.png", focus=chart)

        listed = ask(page, "西工区大数据局金额排前三的项目合计是多少？", "智慧平台建设")
        source = listed.get_by_test_id("stTable").first.locator("tbody tr td").nth(3)  # 出处
        lines = source.evaluate("c => { const p = c.querySelector('p') || c; const r = document.createRange();"
                                " r.selectNodeContents(p); return r.getClientRects().length; }")
        assert "预算11表" in source.inner_text() and lines == 1  # one line: the table scrolls sideways
        shot(page, "phone_list.png", focus=listed.get_by_test_id("stTable").first)

        cited = ask(page, MEDICAL_2024, "15.58").get_by_test_id("stExpander").filter(has_text="[1]").first
        cited.locator("summary").click()
        strip = cited.get_by_test_id("stImage").first.locator("img")
        strip.wait_for(timeout=30_000)
        natural, shown = strip.evaluate(
            "i => new Promise(r => { const go = () => r([i.naturalWidth, i.getBoundingClientRect().width]);"
            " i.complete && i.naturalWidth ? go() : (i.onload = go); })")
        assert shown > 300 and shown >= natural - 1  # the row at 1.5 px per point, never shrunk to fit
        shot(page, "phone_pdf_citation.png", focus=cited)
        box = page.get_by_test_id("stChatInput").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    finally:
        context.close()
