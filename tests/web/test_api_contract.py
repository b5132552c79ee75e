"""The API keeps its OpenAPI contract: Schemathesis against a live ``rootcauses serve``.

Every operation of the published schema is called with generated requests (valid and invalid,
a fixed number per operation, derandomized so a run is repeatable), carrying a tracker admin's
token so the authenticated operations get past their role checks, while a simulation run started
through the API is being computed and stored. Each answer must not be a server error, must have
a status code the schema declares for the operation, and must match the schema declared for that
status (the one error model for every error). The store is the snapshot's build with a small
forecast run (the browser tests' store); the server runs in its own process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from rootcauses.config import Settings
from tests.web.live import LiveServer, SimWriter, prepare_home, serve

# Small web limits keep the fuzzer's own runs (any valid size) to a second or two each.
SIM_LIMITS = {
    "ROOTCAUSES_SIM_WEB_MAX_HOUSEHOLDS": "3000",
    "ROOTCAUSES_SIM_WEB_MAX_MONTHS": "24",
    "ROOTCAUSES_SIM_WEB_MAX_MEMBERS": "3",
    "ROOTCAUSES_SIM_WEB_MAX_QUEUED": "4",
}
STORED_RUN = {"scenario": "harris_strategy", "households": 2_000, "months": 12, "members": 2}
# requests per operation and generation mode (valid, invalid): about two minutes in all
EXAMPLES = 10
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def live(served_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home: Path = tmp_path_factory.mktemp("contract-home")
    token = prepare_home(home, served_store)
    with serve(home, served_store.data, token, SIM_LIMITS) as server:
        yield server


@pytest.fixture(scope="module")
def sim_writer(live: LiveServer) -> Iterator[SimWriter]:
    """Simulation runs started, computed and stored one after another during the whole run."""
    writer = SimWriter(live, STORED_RUN).start()
    yield writer
    runs = writer.finish()
    assert runs, "no simulation run finished while the API was fuzzed"
    assert [r["status"] for r in runs] == ["done"] * len(runs), runs
    assert all(r["stored_run_id"] for r in runs)


def _fuzz(operation, mode: GenerationMode, server: LiveServer) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:
        case.call_and_validate(headers=server.auth, checks=CHECKS, timeout=60)

    try:
        call()
    except Unsatisfiable:  # no invalid request exists: the operation takes no parameters
        assert mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters())


def test_every_operation_keeps_its_contract(live: LiveServer, sim_writer: SimWriter) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    operations, failures = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, live)
            except (Exception, BaseExceptionGroup) as exc:  # try all, report every failure
                failures[f"{operation.label} ({mode.value})"] = exc
    assert len(operations) >= 30 and any("/api/sim/runs" in op for op in operations)
    report = "\n\n".join(f"{label}:\n{exc}" for label, exc in failures.items())
    assert not failures, f"{len(failures)} of {2 * len(operations)} fuzzed sets failed:\n{report}"
