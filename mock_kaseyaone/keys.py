"""The provider's signing keys, published as its JWKS (RFC 7517; OIDC Core §10.1.1: a rotation
adds the new key to the JWKS, and the old one stays there while tokens it signed are in use).

The newest key signs. Rotating makes a new key (a new `kid`) and gives every older key a
retirement time: until then it stays in the JWKS, so that tokens signed before the rotation
still verify. Keys are the hub's, not a tenant's, so the overlap runs on real time; a caller
that must not wait ends it explicitly (`retire_previous_keys`, or a rotation with no overlap).
No Flask here: every operation takes the SQLAlchemy session it works in.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sim_common.clock import real_now

from .models import SigningKey

MAX_OVERLAP_SECONDS = 30 * 86400


@lru_cache(maxsize=64)
def _imported(private_jwk: str) -> RSAKey:
    """A stored key, imported once: importing an RSA key costs more than signing with it."""
    return RSAKey.import_key(json.loads(private_jwk))


def _new_key() -> SigningKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return SigningKey(
        kid=key.kid, private_jwk=json.dumps(key.as_dict(private=True)), created_at=real_now()
    )


def _newest(session: Session) -> SigningKey:
    """The newest key; the hub's first, made when first needed rather than at start, where
    generating it cost about a tenth of the start. (Two workers needing it at the same moment
    may each make one: the newer signs, and both verify.)"""
    newest = session.scalars(select(SigningKey).order_by(SigningKey.id.desc()).limit(1)).first()
    if newest is None:
        newest = _new_key()
        session.add(newest)
        session.flush()
    return newest


def current_key(session: Session) -> RSAKey:
    """The key that signs now."""
    return _imported(_newest(session).private_jwk)


def _published(session: Session) -> list[SigningKey]:
    _newest(session)  # there is one to publish
    now = real_now()
    return list(
        session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.retires_at.is_(None), SigningKey.retires_at > now))
            .order_by(SigningKey.id.desc())
        )
    )


def published_keys(session: Session) -> KeySet:
    """The keys that verify: the current one and those still within their overlap."""
    return KeySet([_imported(row.private_jwk) for row in _published(session)])


def rotate_keys(session: Session, overlap_seconds: float) -> dict:
    """A new signing key; each older key still published retires `overlap_seconds` from now
    (or sooner, if an earlier rotation said so)."""
    now = real_now()
    retire_at = now + timedelta(seconds=overlap_seconds)
    session.execute(
        update(SigningKey)
        .where(or_(SigningKey.retires_at.is_(None), SigningKey.retires_at > retire_at))
        .values(retires_at=retire_at)
    )
    session.add(_new_key())
    session.flush()
    return keys_json(session)


def retire_previous_keys(session: Session) -> dict:
    """End the overlap now: only the current key stays in the JWKS."""
    newest = _newest(session)
    now = real_now()
    session.execute(
        update(SigningKey)
        .where(
            SigningKey.id != newest.id,
            or_(SigningKey.retires_at.is_(None), SigningKey.retires_at > now),
        )
        .values(retires_at=now)
    )
    session.flush()
    return keys_json(session)


def keys_json(session: Session) -> dict:
    newest = _newest(session)
    return {
        "signing_kid": newest.kid,
        "keys": [
            {
                "kid": row.kid,
                "created_at": row.created_at.isoformat() + "Z",
                "retires_at": row.retires_at.isoformat() + "Z" if row.retires_at else None,
                "signing": row.id == newest.id,
            }
            for row in _published(session)
        ],
    }
