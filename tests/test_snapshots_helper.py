"""The snapshot helper fails with a diff on a change and rewrites only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import snapshots
from tests.snapshots import UPDATE_ENV, assert_matches_snapshot


def test_mismatch_fails_with_a_diff_and_update_rewrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOTS", tmp_path)
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="no snapshot"):
        assert_matches_snapshot("x.txt", "a\n")
    (tmp_path / "x.txt").write_text("a\nb\n")
    assert_matches_snapshot("x.txt", "a\nb\n")
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_matches_snapshot("x.txt", "a\nc\n")
    assert "-b\n+c" in str(failure.value)
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_matches_snapshot("x.txt", "a\nc\n")
    assert (tmp_path / "x.txt").read_text() == "a\nc\n"
