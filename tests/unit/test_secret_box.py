"""Webhook secrets sealed at rest: AES-256-GCM under keys derived from the session secret (or a key file), opened
under a key being rotated out, refused when altered or when no key at hand opens them."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiation.adapters.secret_box import SecretUnreadable, secret_box

KEY_A = "a" * 40
KEY_B = "b" * 40


def test_a_sealed_secret_opens_to_itself_and_never_shows_it(tmp_path: Path) -> None:
    box = secret_box(KEY_A, [], tmp_path / "archive")
    sealed = box.seal("whsec-plain-secret")
    assert "whsec" not in sealed and sealed != box.seal("whsec-plain-secret")  # a fresh nonce each time
    assert box.open(sealed) == ("whsec-plain-secret", True)


def test_a_key_being_rotated_out_still_opens_what_it_sealed_and_a_dropped_one_does_not(tmp_path: Path) -> None:
    old = secret_box(KEY_A, [], tmp_path / "archive").seal("s3cret-value-1234")
    assert secret_box(KEY_B, [KEY_A], tmp_path / "archive").open(old) == ("s3cret-value-1234", False)  # to be sealed anew
    with pytest.raises(SecretUnreadable):
        secret_box(KEY_B, [], tmp_path / "archive").open(old)


def test_an_altered_sealed_value_is_refused(tmp_path: Path) -> None:
    box = secret_box(KEY_A, [], tmp_path / "archive")
    sealed = box.seal("s3cret-value-1234")
    head, _, payload = sealed.rpartition(":")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    with pytest.raises(SecretUnreadable):
        box.open(f"{head}:{flipped}")


def test_without_a_session_secret_a_key_file_beside_the_archive_is_made_once_and_kept_as_an_older_key(tmp_path: Path) -> None:
    sealed = secret_box(None, [], tmp_path / "archive").seal("s3cret-value-1234")
    key_file = tmp_path / "webhook-secrets.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert secret_box(None, [], tmp_path / "archive").open(sealed)[0] == "s3cret-value-1234"
    assert secret_box(KEY_A, [], tmp_path / "archive").open(sealed) == ("s3cret-value-1234", False)  # a secret set later
