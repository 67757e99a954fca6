"""Prometheus view of the SLA clocks, counted at scrape time so every process agrees."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from crm_core import sla
from crm_core.service import CRMCore


class SlaCollector(Collector):
    """Register once per process: REGISTRY.register(SlaCollector(core))."""

    def __init__(self, core: CRMCore) -> None:
        self.core = core

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Open breaches and all-time late reports per clock (koordinasi 6 h, penyelesaian 7 d)."""
        report = self.core.sla_breaches(limit=0)
        open_ = GaugeMetricFamily(
            "crm_sla_open_breaches", "Open reports past an SLA clock now", labels=["clock"]
        )
        open_.add_metric([sla.KOORDINASI], report.open_late_coordination)
        open_.add_metric([sla.PENYELESAIAN], report.open_late_resolution)
        late = GaugeMetricFamily(
            "crm_sla_stopped_late",
            "Reports whose SLA clock stopped after its limit",
            labels=["clock"],
        )
        late.add_metric([sla.KOORDINASI], report.closed_late_coordination)
        late.add_metric([sla.PENYELESAIAN], report.closed_late_resolution)
        yield open_
        yield late
