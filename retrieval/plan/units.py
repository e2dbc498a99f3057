"""The kinds of quantity a figure's unit says (万元 an amount, % a share, 台 a count, 天 a time),
and the failure of a plan that cannot be computed."""

from __future__ import annotations


class PlanFailed(Exception):
    """The plan cannot be computed on these facts (a missing figure, a zero base)."""


AMOUNT_UNITS = {"万元": 1.0, "元": 0.0001, "亿元": 10000.0}
COUNT_UNITS = {"个", "项", "辆", "人", "名", "台", "条", "家", "次", "件", "户", "套", "场", "期", "份", "所",
               "张", "部", "位", "类", "处", "人次", "座", "批", "本", "篇", "门", "间", "栋", "户次", "件次", "宗",
               "笔", "起", "支", "辆次", "万人次", "万件", "万次", "个社区"}
TIME_UNITS = {"小时", "天", "日", "分钟", "个月", "月", "年", "工作日", "秒", "周", "季度"}


def kind_of(unit: str | None) -> str:
    if unit and "/" in unit:  # "万元/人": an amount per person
        unit = unit.split("/")[0]
    if unit in AMOUNT_UNITS:
        return "amount"
    if unit in ("%", "个百分点"):
        return "percent"
    if unit == "倍":
        return "ratio"
    if unit in COUNT_UNITS:
        return "count"
    if unit in TIME_UNITS:
        return "time"
    return "text"


