"""What the page looks like beyond Streamlit's defaults: Chinese in place of Streamlit's own
English (uploader text, toolbar tooltips, screen-reader labels), and a layout that works on a
phone (390 px): tables scroll sideways instead of wrapping, the page strip of a PDF citation at
its readable size, the sidebar closed after 新对话.

Streamlit offers no setting for most of its labels: CSS replaces what it can, and a small script
(one MutationObserver on the page) rewrites the rest — aria-label, title and placeholder
attributes and tooltip texts — from the table ENGLISH as they appear.
"""

from __future__ import annotations

import json

import streamlit as st

# Streamlit's own English in the uploader ("Drag and drop", "Limit 200MB per file", "Browse files")
# and the "Running…" status are replaced or hidden; our caption says the formats and the limit
CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="stFileUploaderDropzoneInstructions"] > div > small { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "拖入文件，或点击按钮选择"; font-size: 0.9rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.875rem; }
[data-testid="stStatusWidget"] { visibility: hidden; }
/* tables keep their cells on one line and scroll sideways on a phone */
[data-testid="stTable"] { overflow-x: auto; }
[data-testid="stTable"] th, [data-testid="stTable"] th * { white-space: nowrap !important; }
[data-testid="stTable"] td { white-space: nowrap; }
/* a cell's text follows its cell (a label column may wrap by its own inline style) */
[data-testid="stTable"] td * { white-space: inherit !important; word-break: inherit !important; }
/* example questions and alternatives are read whole, on two lines if need be */
.stMain .stButton button p { white-space: normal !important; text-align: left; }
/* the strip of a PDF page around a cited row, at its size: it scrolls sideways, never shrinks */
[class*="st-key-strip_"] { overflow-x: auto; }
[class*="st-key-strip_"] img { max-width: none !important; }
[class*="st-key-strip_"] [data-testid="stImage"], [class*="st-key-strip_"] [data-testid="stImage"] > div {
  align-items: flex-start !important; justify-content: flex-start !important; margin-left: 0 !important; }
/* the sidebar's conversation list: titles on one line each */
[data-testid="stSidebar"] .stButton button p { text-align: left; }
@media (max-width: 640px) {
  .stMain .block-container { padding-left: 0.6rem; padding-right: 0.6rem; }
  [data-testid="stChatMessage"] { padding-left: 0; padding-right: 0; gap: 0.4rem; }
  [data-testid="stChatMessageAvatarUser"], [data-testid="stChatMessageAvatarAssistant"] { width: 1.5rem; height: 1.5rem; }
}
</style>
"""

# Streamlit's English, as it appears in attributes and tooltips, and what a reader sees instead
ENGLISH = {
    "Send message": "发送", "Collapse sidebar": "收起侧栏", "Expand sidebar": "展开侧栏",
    "Open sidebar": "展开侧栏", "Close sidebar": "收起侧栏", "Keyboard shortcuts": "快捷键",
    "Remove file": "移除文件", "Delete file": "移除文件", "Clear all": "全部清除", "Clear value": "清除",
    "Select all": "全选", "Deselect all": "取消全选", "Open": "展开", "Close": "关闭",
    "Show password": "显示密码", "Hide password": "隐藏密码", "Press Enter to submit form": "按回车提交",
    "Press Enter to apply": "按回车确认",
    "Download as CSV": "下载为 CSV", "Download": "下载", "Search": "搜索", "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏", "Exit fullscreen": "退出全屏", "View fullscreen": "全屏查看",
    "Show/hide columns": "显示或隐藏列", "Add row": "添加行", "Delete row": "删除行",
    "Add column": "添加列", "Copy": "复制", "Copy to clipboard": "复制", "Copied": "已复制",
    "Sort ascending": "升序", "Sort descending": "降序", "Autosize": "自动列宽", "Pin column": "固定此列",
    "Unpin column": "取消固定", "Hide column": "隐藏此列", "Format": "格式", "Automatic": "自动",
    "Save as SVG": "另存为 SVG", "Save as PNG": "另存为 PNG", "View Source": "查看源代码",
    "View Compiled Vega": "查看 Vega 规格", "Open in Vega Editor": "在 Vega 编辑器中打开",
    "More options": "更多选项", "Main menu": "主菜单", "Rerun": "重新运行", "Settings": "设置",
    "Print": "打印", "Record a screencast": "录制屏幕", "About": "关于", "Clear cache": "清除缓存",
    "Running...": "运行中…", "Stop": "停止", "Choose an option": "请选择", "Choose options": "请选择",
    "No results": "没有匹配的选项", "Show more": "展开更多", "Show less": "收起",
    "Previous": "上一个", "Next": "下一个", "Copy code": "复制代码", "Loading...": "载入中…",
    "Please wait...": "请稍候…", "Browse files": "选择文件", "Upload": "上传", "Uploading...": "正在上传…",
    "Hide": "隐藏", "Show": "显示", "Expand": "展开", "Collapse": "收起", "Menu": "菜单",
    "Toggle sidebar": "切换侧栏", "Drag and drop files here": "拖入文件",
    "Show data": "查看数据", "Download as PNG": "下载为 PNG", "Download as SVG": "下载为 SVG",
    "Copy Vega-Lite spec": "复制图表规格", "Sidebar": "侧栏", "file upload": "上传文件",
    "Link to heading": "标题链接", "Chat message from user": "提问", "Chat message from assistant": "回答",
    "Skip to main content": "跳到正文", "Dismiss": "关闭", "Clear selection": "清除选择",
    "Clear all selections": "全部清除", "Select": "选择", "Deploy": "部署",
    "Vega visualization": "图表", "visualization": "图表", "Visualization": "图表",
}
# labels with a number in them: (pattern, replacement) as JavaScript regular expressions
PATTERNS = [
    (r"^(\d+) options? available\.?$", "共 $1 个选项。"),
    (r"^(\d+) results? available\.?$", "共 $1 个结果。"),
    (r"^option (.+), selected\.?$", "已选择 $1。"),
    (r"^option (.+), deselected\.?$", "已取消 $1。"),
    (r"^(.+), selected\.?$", "已选择 $1。"),
    (r"^(\d+(?:\.\d+)?)\s*MB per file$", "每个文件不超过 $1 MB"),
    (r"^\w+ mark container$", "图形"),
    (r"^File must be ([\d.]+)\s*MB or smaller\.?$", "文件太大：每个文件不超过 $1 MB。"),
]

_LABELS_JS = """
<script>
(() => {
  if (window.__budgetqaLabels) return;
  window.__budgetqaLabels = true;
  const words = %s;
  const patterns = %s.map(([p, r]) => [new RegExp(p), r]);
  const chinese = (t) => {
    if (words[t]) return words[t];
    for (const [p, r] of patterns) if (p.test(t)) return t.replace(p, r);
    return null;
  };
  const attrs = ["aria-label", "title", "placeholder", "data-tooltip", "alt", "aria-roledescription"];
  const fix = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const t = node.textContent.trim();
      const c = t && chinese(t);
      if (c) node.textContent = node.textContent.replace(t, c);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const a of attrs) {
      const v = node.getAttribute(a);
      const c = v && chinese(v.trim());
      if (c) node.setAttribute(a, c);
    }
    for (const child of node.childNodes) fix(child);
  };
  fix(document.body);
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "attributes") fix(c.target);
      else if (c.type === "characterData") fix(c.target);
      else c.addedNodes.forEach(fix);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: attrs});
  document.documentElement.lang = "zh-CN";
})();
</script>
""" % (json.dumps(ENGLISH, ensure_ascii=False), json.dumps(PATTERNS))

_CLOSE_SIDEBAR_JS = """
<script>
/* %d */
if (window.innerWidth < 768) {
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button')
              || document.querySelector('[data-testid="stSidebar"] [data-testid="stBaseButton-headerNoPadding"]');
  if (button) button.click();
}
</script>
"""


def apply() -> None:
    """The page's style and its Chinese labels (the script runs once per page load)."""
    st.html(CSS)
    st.html(_LABELS_JS, unsafe_allow_javascript=True, width="content")


def close_sidebar_on_phone(nonce: int) -> None:
    """Close the sidebar when the screen is a phone's (it covers the chat there)."""
    st.html(_CLOSE_SIDEBAR_JS % nonce, unsafe_allow_javascript=True, width="content")
