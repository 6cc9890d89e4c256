"""Property-based fuzzing of every operation from the app's own OpenAPI spec (Schemathesis).

Whatever a client sends, data that fits the spec (positive) or deliberately breaks it (negative),
the API must never answer 5xx.
Runs on every backend under test; the example count is kept small so the suite stays quick.
"""

import hypothesis.strategies as st
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from app.main import create_app
from tests.conftest import bearer

EXAMPLES_PER_OPERATION = 15


def test_no_operation_answers_a_server_error(db, tokens):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    headers = bearer(tokens["admin"])
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10

    for operation in operations:
        strategy = st.one_of(operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def call(case):
            try:
                response = case.call(headers=headers)
            except Exception as error:  # the app raised instead of answering: as bad as a 500
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} -> {error!r}")
                return
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} -> {response.status_code}"
                )

        call()
    assert failures == []
