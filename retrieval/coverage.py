"""Does the document speak of what the question asks? Words the document never uses (在编人员,
品牌型号) mean the honest answer is "the documents do not say", not the nearest number."""

from __future__ import annotations

import logging
import re
import jieba
import jieba.posseg

from retrieval.facts import DocFacts
from retrieval.understand import Question, lexicon

jieba.setLogLevel(logging.WARNING)

# words of asking, not of budget content
_QUESTION_WORDS = set(
    "多少 几 几个 是 的 了 吗 呢 啊 什么 哪个 哪些 哪 怎么 怎样 如何 为什么 有 没有 有没有 是否 "
    "请问 一下 一共 总共 合计 共 一年 全年 今年 去年 上年 本年 年度 年 花 钱 花钱 给 给了 用 用了 "
    "安排 安排了 预算 部门 单位 这个 那个 该 其 其中 分别 各 各有 多大 比例 比重 占 占比 多 高 低 "
    "谁 和 与 及 跟 比 对 对吗 判断 说 说法 有人 实际 情况 数 数量 金额 费用 经费 支出 收入 项目 "
    "文件 说明 表 表里 里 中 上 下 要求 目标 指标 计划 定 定的 设定 设 达到 主要 到底 一致 对得上 "
    "问题 能 可以 应该 会 要 算 按 算得 通 吗？ 个 辆 人 元 万元 亿元 百分点 平均 每 每人 最大 最小 "
    "大 小 排名 名 增加 减少 增长 下降 变化 幅度 上升 降低 为何 原因 用途 干什么 做什么 用于 "
    "加起来 等于 之和 合计数 倒推 推算 额 按照 里面 方面 各自 一些 所属 属于 名下 负责 选 选了 科目 款项 "
    "类 款 项 资金 钱数 数额 数字 多久 时间 规定 干嘛 干啥 管不管 怎么说 大头 小头 多大头 老百姓 群众 市民 咱们 我们".split()
)


def uncovered_words(q: Question, df: DocFacts, names: list[str] = ()) -> list[str]:
    """Content words of the question the document never uses (after the lexicon's mapping).

    `names` are the words that named the department: they are not content.
    """
    text = df.all_text
    skip = set(_QUESTION_WORDS)
    asked = q.squeezed
    for name in sorted(names, key=len, reverse=True):
        asked = asked.replace(name, "")
    for word in lexicon():
        if word in q.squeezed:
            skip.update(jieba.lcut(word))
            skip.add(word)
    missing, covered = [], []
    for token, flag in ((w.word, w.flag) for w in jieba.posseg.lcut(asked)):
        if flag[:1] not in ("n", "l") or flag == "nr":  # nouns name what is asked about
            continue
        if len(token) < 2 or token in skip or re.fullmatch(r"[\d.%年]+|20\d\d年?", token):
            continue
        if re.match(r"几|多少|占|是|有|那|这|哪", token):  # 几辆, 多少钱, 占多大, 局有 …
            continue
        if not re.search(r"[\u4e00-\u9fff]", token):
            continue
        if token in text or token in df.document.department:
            covered.append(token)
            continue
        # a word whose characters all occur together elsewhere ("政务局" in 政务服务…局) is a name
        if all(ch in df.document.department for ch in token):
            continue
        missing.append(token)
    # one incidental word (老百姓 beside 诉求 and 职责) does not make a question unanswerable:
    # the words the document never uses must outweigh those it does
    return missing if len(missing) > len(covered) else []
