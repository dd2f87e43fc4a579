"""`mock-kaseyaone serve`: the simulated KaseyaOne as a service."""

from __future__ import annotations

from sim_common.serve import app_config, base_parser, run_gunicorn


def main(argv=None) -> None:
    parser, _ = base_parser("mock-kaseyaone", "Serve the simulated KaseyaOne.", "K1", 8001)
    args = parser.parse_args(argv)
    from . import create_app

    run_gunicorn(lambda: create_app(app_config(args, "kaseyaone")), args)


if __name__ == "__main__":
    main()
