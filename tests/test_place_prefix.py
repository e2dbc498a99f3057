"""A place written before a department's name: wider than every place the stored name gives, it
neither fits nor contradicts (a district before a 街道 stored without it); at a level the name
gives, another place is another department."""

from __future__ import annotations

import pytest

from retrieval.question.departments import Catalog
from tests.conftest import synthetic_document

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog([synthetic_document("青石街道办事处", 2023, "街道"),
                    synthetic_document("白沙县林业局", 2022, "县")])


@pytest.mark.parametrize("question", [
    "云阳区青石街道办事处2023年收入总计多少",
    "山城市云阳区青石街道2023年的支出是多少",
    "东川省青石街道办事处有几辆车",
])
def test_a_wider_place_before_a_name_without_it_still_names_it(catalog, question):
    assert [d.department for d in catalog.resolve(question).documents] == ["青石街道办事处"]


@pytest.mark.parametrize("question", [
    "红岩街道办事处2023年收入总计多少",  # another street
    "黑水县林业局2022年三公经费",  # another county at the level the name gives
])
def test_another_place_at_a_level_the_name_gives_is_another_department(catalog, question):
    assert catalog.resolve(question).documents == []


# ---- a name typed by sound: one character a homophone of the stored one ---------------------------

@pytest.fixture(scope="module")
def typed_catalog() -> Catalog:
    return Catalog([synthetic_document("青石县交通运输局", 2024, "县"),
                    synthetic_document("青石县白鹭街道办事处", 2023, "街道"),
                    synthetic_document("青石县数据资源管理局", 2024, "县")])


@pytest.mark.parametrize("question, department", [
    ("清石县交通运输局2024年三公经费多少", "青石县交通运输局"),  # 清 for 青
    ("白路街道办事处23年会议费", "青石县白鹭街道办事处"),  # 路 for 鹭
    ("青石县数据资源管里局的人员经费", "青石县数据资源管理局"),  # 里 for 理
])
def test_a_name_typed_by_sound_names_the_stored_department(typed_catalog, question, department):
    assert [d.department for d in typed_catalog.resolve(question).documents] == [department]


@pytest.mark.parametrize("question", [
    "清水县交通运输局2024年三公经费多少",  # two characters differ: another county
    "黑鹭街道办事处23年会议费",  # 黑 does not sound like 白
])
def test_a_name_differing_by_more_than_one_sound_is_another_department(typed_catalog, question):
    assert typed_catalog.resolve(question).documents == []
