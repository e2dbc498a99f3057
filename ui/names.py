"""Short department names for charts, examples and labels: 区政府办, 西工街道, 市政数局 — each the
shortest common form that names one stored department only (retrieval.question.departments's aliases)."""

from __future__ import annotations

from retrieval.question.names import department_aliases

MIN_SHORT = 4  # 政府办, 街道办 and 审批局 are too vague once several places are stored
LEVELS = "省市区县州盟旗镇乡"
# a government organ is named by its level alone (区政府办, 市政数局, 县卫健委); any other unit keeps
# its place (梧州市博物院 → 梧州博物院, never "市博物院": a museum of which city?)
ORGANS = ("局", "办", "委", "办公室", "委员会", "厅", "政府", "街道", "办事处", "处", "署", "室")


def _pieces(alias: str, name: str) -> int:
    """How many separate pieces of the full name an alias is made of (fewer reads more naturally)."""
    count, i = 0, 0
    while i < len(alias):
        size = 1
        while i + size < len(alias) and alias[i:i + size + 1] in name:
            size += 1
        if alias[i:i + size] not in name:
            return len(alias) + 1  # a character the name does not have
        count, i = count + 1, i + size
    return count


def _odd(alias: str, name: str) -> bool:
    """An alias that drops the place but keeps its level ("市博物院") of a unit that is not an
    organ of that level's government: it reads as some other place's, or as nothing."""
    return alias[0] in LEVELS and not name.startswith(alias[0]) and not name.endswith(ORGANS)


def short_names(departments: list[str]) -> dict[str, str]:
    """Each department's short name, unique among `departments`; the full name when none is."""
    aliases = {d: department_aliases(d) for d in departments}
    names: dict[str, str] = {}
    for d in departments:
        others = set().union(*(a for o, a in aliases.items() if o != d))
        unique = [a for a in aliases[d] if a not in others and a != d and len(a) >= MIN_SHORT and not _odd(a, d)]
        names[d] = min(unique, key=lambda a: (len(a), _pieces(a, d), a)) if unique else d
    return names
