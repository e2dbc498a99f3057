"""Name what a figure is about from the words around it: department, year, enumeration and
filler words removed (`narrative_words.json`); "" when the words name nothing of their own.
"""

from __future__ import annotations

import re

from indexer.parse.figures import BOUNDARY, CN_NUM, COMPARISON, WORDS, Figure
from indexer.text import squeeze

_YEAR = re.compile(r"\d{4}\s*年度?")
_ENUM = re.compile(rf"^(?:[(（][{CN_NUM}]+[)）]|\d+[.、．]|[{CN_NUM}]+[、是])\s*")
_LEADING = tuple(WORDS["leading"])
_TRAILING = tuple(WORDS["trailing"])
# words that name no subject on their own: the figure takes the one it follows
_BARE = tuple(WORDS["bare"])
# verbs after which the previous clause names what a "涉及预算拨款" figure belongs to
_LEAD_VERBS = tuple(WORDS["lead_verbs"])
# budgets named by 预算: the word is part of the name, not filler ("一般公共预算 4352.47 万元")
_BUDGET_NAMES = tuple(WORDS["budget_names"])
# words that, alone before a count, name nothing: the noun after it does
_NOT_SUBJECTS = ("", *WORDS["not_subjects"])
# when a figure is named only as the plan (年初预算数), a label before a colon names what of
_PLAN_WORDS = tuple(WORDS["plan_words"])


def subject(fig: Figure, sentence: str, orgs: list[str]) -> str:
    """Name what the figure is about; "" when the words before it name nothing."""
    if fig.kind == "count" and fig.unit == "个":
        # 个 is the generic measure word: the counted noun follows it ("共 7 个项目")
        noun = squeeze(fig.tail)
        if "作为" in noun:
            # "选定党建经费等 1个项目作为部门重点绩效目标项目": what the projects are counted as
            return clean(noun.split("作为", 1)[1], orgs)
        lead = re.match(r"[\u4e00-\u9fff]+", noun)
        if lead:
            return clean(lead.group(), orgs)
    if fig.kind == "count" and clean(fig.head, orgs) in _NOT_SUBJECTS:
        # "由于14名新招聘教师入职手续未办齐": the counted noun follows the measure word
        noun = re.match(r"[\u4e00-\u9fff]+", squeeze(fig.tail))
        if noun:
            return clean(noun.group(), orgs)
    head = fig.head
    if fig.kind in ("change_amount", "change_percent"):
        head = COMPARISON.sub("", head)  # "比 2024 年支出预算增加": the comparison is no subject
    subject = clean(head, orgs)
    if subject in _PLAN_WORDS and fig.kind == "amount":
        # "(一)收入预算:2023年年初预算数1643.29万元": the label before the colon names it
        label = re.match(r"^\s*(?:[(（][一二三四五六七八九十]+[)）])?([^,，:：;；。]{2,12})[:：]", sentence)
        if label and (named := clean(label.group(1), orgs)):
            return named if named not in _BARE else squeeze(label.group(1))
    if subject.startswith("涉及"):
        # "对项目支出全面实施绩效目标管理,涉及预算拨款 70.68 万元": the previous clause says for what
        subject = _previous_object(sentence, fig.start) + subject
    return subject


def _previous_object(sentence: str, before: int) -> str:
    """Object of the previous clause's verb ("全面实施绩效目标管理" → "绩效目标管理")."""
    clauses = BOUNDARY.split(sentence[:before])
    if len(clauses) < 2:
        return ""
    prev = squeeze(clauses[-2])
    for verb in _LEAD_VERBS:
        if verb in prev:
            return prev.rsplit(verb, 1)[1]
    return ""


def clean(head: str, orgs: list[str]) -> str:
    """Strip department, year, enumeration and filler words from a subject."""
    s = squeeze(head)
    year = list(_YEAR.finditer(s))
    if year:  # "洛阳市…局 2025 年收入总计": the subject starts after the year
        s = s[year[-1].end() :]
    for org in orgs:
        s = s.replace(org, "")
    # "区本级一般公共预算安排“三公”经费": the level of government and what funds it are no subject
    s = re.sub(r"^\S*?本级", "", s)
    s = re.sub(r"^\S*?安排的?(?=[\u4e00-\u9fff“])", "", s)
    if "是" in s:  # "一是公务用车购置费", "(其他用车主要是巡逻车": the subject follows 是
        s = s.rsplit("是", 1)[1]
    s = _ENUM.sub("", s).lstrip("(（")
    # "…公务接待费(以下简称“三公”经费)支出合计": the short name the sentence gives is the subject
    s = re.sub(r"^.*[(（](?:以下)?简称([^)）]+)[)）]", r"\1", s)
    stem = s
    changed = True
    while changed and s:
        before = s
        for word in _LEADING:
            if s.startswith(word):
                s = s[len(word) :]
        for word in _TRAILING:
            if s.endswith(word):
                s = s[: -len(word)]
        if s.endswith("共") and not s.endswith("公共"):  # "…独立核算单位共 1 个"
            s = s[:-1]
        # "…经费支出预算" → "…经费": 支出 and 预算 are filler after a named fee, but a term in
        # "基本支出", "一般公共预算收支预算" (the table's own wording)
        if s.endswith("预算") and not s.endswith(_BUDGET_NAMES) and len(s) > 2:
            s = s[:-2]
        if s.endswith("支出") and s[:-2].endswith("费"):
            s = s[:-2]
        if s.endswith(("支出合计", "支出总计")) and s[:-4].endswith("费"):  # "“三公”经费支出合计"
            s = s[:-4]
        if s.endswith("决算") and len(s) > 4:  # "…经费支出决算": the figure is the 决算 itself
            s = s[:-2]
        for tail in ("财政拨款支出", "财政拨款"):  # "“三公”经费财政拨款(支出)"
            if s.endswith(tail) and s[:-len(tail)].endswith("费"):
                s = s[:-len(tail)]
        changed = s != before
    # "收入预算总计" is the 2020 template's wording of 收入总计
    s = re.sub(r"(收入|支出)预算(总计|合计)", r"\1\2", s).strip("()（）")
    if s in _BARE:  # "收入预算 3814.61 万元": the budget's own total is the subject
        if stem in (s + "预算", s + "决算"):
            return stem
        # "本单位收入为1687.45万元": the unit's own total
        return s + "合计" if re.search(WORDS["self_reference"], stem) else ""
    return s


def heading_subject(heading: str, orgs: list[str]) -> str:
    """What a section's heading names as a budget item ("二、公务接待费" → 公务接待费), for
    sentences under it that name nothing themselves ("2019年预算安排12万元"); "" for other headings."""
    named = clean(heading, orgs)
    return named if 2 <= len(named) <= 16 and re.search(WORDS["heading_items"], named) else ""
