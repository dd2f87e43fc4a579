"""KaseyaOne's own part of the simulation control plane, documented with the rest in
`sim_common/openapi/control.yaml`: its signing keys (`keys`), which are the hub's, not a
tenant's. Behind the same bearer token as every control call."""

from __future__ import annotations

from flask import Blueprint

from sim_common.control import json_body, require_control_token
from sim_common.db import db
from sim_common.errors import InvalidRequest

from . import keys

bp = Blueprint("k1_control", __name__, url_prefix="/_sim/keys")
bp.before_request(require_control_token)


@bp.get("")
def signing_keys():
    return keys.keys_json(db())


@bp.post("/rotate")
def rotate():
    """A new signing key from now on; the older ones stay published for `overlap_seconds`."""
    overlap = json_body().get("overlap_seconds")
    if (
        isinstance(overlap, bool)
        or not isinstance(overlap, int | float)
        or not 0 <= overlap <= keys.MAX_OVERLAP_SECONDS  # NaN fails this too
    ):
        raise InvalidRequest(
            "'overlap_seconds' must be a number of seconds, from 0 to 30 days, for which the "
            "previous keys stay published.",
            field="overlap_seconds",
        )
    return keys.rotate_keys(db(), float(overlap)), 201


@bp.post("/retire")
def retire():
    """End the overlap now: tokens signed by an earlier key no longer verify."""
    return keys.retire_previous_keys(db())
