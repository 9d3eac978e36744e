"""Secrets the service must use again, sealed at rest: AES-256-GCM under a key derived from the session secret.

A webhook's secret signs every delivery (HMAC-SHA256 needs the secret itself, so a hash will not do): it is stored
sealed, and a copy of the database alone does not give it away. The key is derived with HKDF-SHA256 from
NEGOTIATION_SESSION_SECRET (one key for every worker and host); without that setting, from a random key kept in a
file beside the archive (``webhook-secrets.key``, mode 0600, shared by the workers of one host). Keys being
rotated out (NEGOTIATION_SESSION_PREVIOUS_SECRETS) still open what they sealed; each sealed value names its key by a
short id, and the deliverer seals again under the current key what an older one opened (a key file made before
the session secret was set is kept as such an older key).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from negotiation.adapters.key_file import kept_random_key

__all__ = ["SecretBox", "SecretUnreadable", "secret_box"]

_VERSION = "v1"
_CONTEXT = b"negotiation webhook secret v1"
_KEY_FILE = "webhook-secrets.key"


class SecretUnreadable(Exception):
    """A sealed value no key at hand opens (its key was dropped, or the value was altered)."""


def _derive(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"negotiation-secret-box", info=_CONTEXT).derive(secret)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:12]


class SecretBox:
    """Seals with the first key, opens with any of them."""

    def __init__(self, keys: list[bytes]) -> None:
        assert keys and all(len(k) == 32 for k in keys)
        self._keys = {_key_id(k): AESGCM(k) for k in keys}
        self._current = _key_id(keys[0])

    def seal(self, plaintext: str) -> str:
        """The sealed form of a text: version, key id, base64 of nonce and ciphertext with its tag."""
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode("utf-8"), _CONTEXT)
        return f"{_VERSION}:{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, sealed: str) -> tuple[str, bool]:
        """(the text, whether it was sealed under the current key); SecretUnreadable if no key opens it."""
        version, _, rest = sealed.partition(":")
        key_id, _, payload = rest.partition(":")
        cipher = self._keys.get(key_id)
        if version != _VERSION or cipher is None:
            raise SecretUnreadable(f"no key {key_id!r} at hand")
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        try:
            plaintext = cipher.decrypt(raw[:12], raw[12:], _CONTEXT)
        except InvalidTag as exc:
            raise SecretUnreadable("the sealed value was altered") from exc
        return plaintext.decode("utf-8"), key_id == self._current


def _file_key(path: Path) -> bytes:
    return bytes.fromhex(kept_random_key(path, if_damaged="delete it only if no webhook secret is sealed under it"))


_boxes: dict[tuple[object, ...], SecretBox] = {}


def secret_box(session_secret: str | None, previous_secrets: list[str], archive_dir: Path) -> SecretBox:
    """The box for these settings: keys derived from the session secret and those being rotated out, or the key
    file beside the archive when no session secret is set."""
    cache_key = (session_secret, tuple(previous_secrets), str(archive_dir.resolve()))
    found = _boxes.get(cache_key)
    if found is not None:
        return found
    key_file = archive_dir.resolve().parent / _KEY_FILE
    if session_secret:
        keys = [_derive(s.encode("utf-8")) for s in (session_secret, *reversed(previous_secrets))]
        if key_file.exists():  # sealed before a session secret was set: still opened, sealed anew when used
            keys.append(_file_key(key_file))
    else:
        keys = [_file_key(key_file)]
    box = _boxes[cache_key] = SecretBox(keys)
    return box
