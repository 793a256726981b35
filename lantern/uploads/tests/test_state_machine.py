"""Random sequences of HEAD, PATCH (right and wrong offsets, random sizes, good and bad
checksums) and DELETE against a model of what the server must have stored."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from .conftest import Tus, checksum_header, link_client, upload_of

ALGORITHMS = ["sha1", "sha256", "md5"]


class UploadMachine(RuleBasedStateMachine):
    tus: Tus

    def __init__(self) -> None:
        super().__init__()
        self.length = 0
        self.model = b""
        self.url = ""
        self.terminated = False

    @initialize(length=st.integers(min_value=0, max_value=6000))
    def create(self, length: int) -> None:
        self.length = length
        self.url = self.tus.new(length)

    def _expect_gone(self, status: int) -> bool:
        if self.terminated:
            assert status == 404
            return True
        return False

    @rule()
    def head(self) -> None:
        response = self.tus.head(self.url)
        if self._expect_gone(response.status_code):
            return
        assert response.status_code == 200
        assert int(response["Upload-Offset"]) == len(self.model)
        assert int(response["Upload-Length"]) == self.length

    @rule(
        data=st.binary(max_size=2500),
        checksum=st.sampled_from([None, "good", "bad"]),
        algorithm=st.sampled_from(ALGORITHMS),
    )
    def patch(self, data: bytes, checksum: str | None, algorithm: str) -> None:
        header = None
        if checksum == "good":
            header = checksum_header(algorithm, data)
        elif checksum == "bad":
            header = checksum_header(algorithm, data + b"!")
        response = self.tus.patch(self.url, len(self.model), data, checksum=header)
        if self._expect_gone(response.status_code):
            return
        if len(self.model) + len(data) > self.length:
            assert response.status_code == 413
        elif checksum == "bad":
            assert response.status_code == 460
        else:
            assert response.status_code == 204
            self.model += data
        if response.status_code != 413:
            assert int(response["Upload-Offset"]) == len(self.model)

    @rule(delta=st.integers(min_value=-3000, max_value=3000).filter(bool), data=st.binary())
    def patch_wrong_offset(self, delta: int, data: bytes) -> None:
        offset = max(0, len(self.model) + delta)
        if offset == len(self.model):
            offset += 1
        response = self.tus.patch(self.url, offset, data)
        if not self._expect_gone(response.status_code):
            assert response.status_code == 409

    @rule()
    def delete(self) -> None:
        response = self.tus.delete(self.url)
        if self._expect_gone(response.status_code):
            return
        if len(self.model) == self.length:
            assert response.status_code == 403
        else:
            assert response.status_code == 204
            self.terminated = True

    @invariant()
    def stored_bytes_match_the_model(self) -> None:
        upload = upload_of(self.url)
        if self.terminated:
            assert upload.terminated_at is not None and not upload.path.exists()
            return
        assert upload.offset == len(self.model)
        assert upload.path.read_bytes() == self.model
        if len(self.model) == self.length:
            assert upload.sha256 == hashlib.sha256(self.model).hexdigest()
        else:
            assert upload.completed_at is None


@pytest.mark.django_db
def test_random_sequences_match_the_model() -> None:
    UploadMachine.tus = Tus(link_client("request-link:99"))
    run_state_machine_as_test(
        UploadMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
