"""The category map: default rules, user maps in YAML/JSON, unmapped screens, invalid patterns."""

from __future__ import annotations

import pytest

from taskloom.collector.metrics.categories import CATEGORY_CODE, default_map, parse_category_map
from taskloom.collector.metrics.errors import MetricsInputError
from tests.collector.metrics.factories import EPR, events, ms, run

YAML = """
ehr_apps: ['(?i)^careflowepr\\.exe$']
rules:
  - {category: orders, app: '(?i)careflow', title: '^Order entry'}
  - {category: note documentation, app: '(?i)winword', title: '^Discharge letter'}
"""


def test_default_map_covers_the_demo_ehr() -> None:
    m = default_map()
    assert m.screen(EPR, "Prescribing · NHS#12345678 · CareFlow EPR", None).code == CATEGORY_CODE["prescriptions"]
    assert m.screen("chrome.exe", "Amoxicillin | BNF", "bnf.nice.org.uk").code == CATEGORY_CODE["prescriptions"]
    letter = m.screen("WINWORD.EXE", "Discharge letter NHS#1.docx - Word", None)
    assert letter.code == CATEGORY_CODE["note documentation"] and not letter.vendor
    assert m.screen("EXCEL.EXE", "Rota.xlsx", None).code == CATEGORY_CODE["non-EHR"]


def test_unmapped_ehr_screens_are_reported_with_identifiers_masked() -> None:
    cmap = parse_category_map(YAML, "map.yaml")
    t = ms("2026-03-02T10:00Z")
    tot = run([events((t, "click", EPR, "Results viewer · NHS#3f9a1c2e · CareFlow EPR"),
                      (t + 2000, "click", EPR, "Order entry · NHS#3f9a1c2e · CareFlow EPR"))], cmap=cmap)
    assert tot.unmapped.to_dict("records") == [
        {"screen": "CareFlowEPR.exe | Results viewer · #… · CareFlow EPR", "active_s": 2.0, "events": 1}]
    other = tot.table.xs(CATEGORY_CODE["other EHR"], level="cat")["d5"].sum()
    assert other == 2000  # counted as 'other EHR', not dropped


@pytest.mark.parametrize(("text", "message"), [
    ("rules:\n  - {category: orders, title: '^Order (entry'}\n",
     "map.yaml: rule 1 title '^Order (entry' is not a valid regular expression"),
    ('{"rules": [{"category": "orders", "app": "x"}, {"category": "billing", "app": "y"}]}',
     "map.yaml: rule 2 has category 'billing'; use one of"),
    ("rules:\n  - {category: orders}\n", "map.yaml: rule 1 gives no pattern"),
    ("ehr_apps: ['[']\nrules: [{category: orders, app: x}]\n", "map.yaml: ehr_apps[1] '[' is not a valid"),
    ("rules: [unclosed\n", "map.yaml: line"),
])
def test_bad_maps_name_the_file_rule_and_fix(text: str, message: str) -> None:
    with pytest.raises(MetricsInputError) as err:
        parse_category_map(text, "map.yaml")
    assert str(err.value).startswith(message)
