"""Reading a ``/metrics`` answer as Prometheus would: the exposition parsed by
prometheus_client's own parser, each sample findable by name and labels."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families

SCRAPE_TOKEN = "metrics-scrape-token-not-secret"  # tests only


class Scrape:
    """One parsed exposition: ``value(name, **labels)`` is the sample's value (0.0 when
    the sample is absent: a labelled counter appears at its first increment)."""

    def __init__(self, text: str):
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = [sample for family in self.families.values()
                        for sample in family.samples]

    def names(self) -> set[str]:
        return {sample.name for sample in self.samples}

    def value(self, name: str, **labels: str) -> float:
        return sum(sample.value for sample in self.samples
                   if sample.name == name and _matches(sample.labels, labels))


def _matches(have: Mapping[str, str], want: Mapping[str, str]) -> bool:
    return all(have.get(key) == value for key, value in want.items())


# What every service's process exposes (prometheus_client's default collectors).
PROCESS_METRICS = {"process_resident_memory_bytes", "process_cpu_seconds_total",
                   "python_info"}
