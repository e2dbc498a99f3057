"""The hardening probe as one report (`make probe`, or `pytest -m probe`): the tests marked
`probe` — a false claim through a scripted model, bombs, uploads, answers while indexing,
outages, full disks, CSV cells — summed up per feature after the run, with what each measured
(the lines its tests print: memory, errors over N answers, the message at each disk size)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class Feature:
    """One probe test file: what it checks, and how its tests ended."""

    title: str
    outcomes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    measured: list[str] = field(default_factory=list)


_features: dict[str, Feature] = {}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("probe") is not None:
            doc = (item.module.__doc__ or item.module.__name__).strip()
            _features.setdefault(item.nodeid.split("::")[0], Feature(" ".join(doc.split("\n\n")[0].split())))


def pytest_runtest_logreport(report) -> None:
    feature = _features.get(report.nodeid.split("::")[0])
    if feature is None or (report.when != "call" and not (report.skipped or report.failed)):
        return
    outcome = "skipped" if report.skipped else "failed" if report.failed else "passed"
    feature.outcomes[outcome] = feature.outcomes.get(outcome, 0) + 1
    name = report.nodeid.split("::", 1)[1]
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        feature.skipped.append(f"{name}: {reason.removeprefix('Skipped: ')}")
    elif report.failed:
        feature.failed.append(name)
    feature.measured += [line for line in report.capstdout.splitlines() if line.strip()]


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter) -> None:
    ran = {path: f for path, f in _features.items() if f.outcomes}
    if not ran:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hardening probe (issue 21)")
    for path, feature in ran.items():
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(feature.outcomes.items()))
        write(f"{'FAIL' if feature.failed else 'ok  '} {path}: {counts}")
        write(f"     {feature.title}")
        for line in feature.failed:
            write(f"     failed: {line}")
        for line in feature.skipped:
            write(f"     skipped: {line}")
        for line in feature.measured:
            write(f"     measured: {line}")
