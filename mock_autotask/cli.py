"""`mock-autotask serve`: the simulated Autotask as a service."""

from __future__ import annotations

from sim_common.serve import app_config, base_parser, run_gunicorn


def main(argv=None) -> None:
    parser, _ = base_parser("mock-autotask", "Serve the simulated Autotask.", "AT", 8003)
    args = parser.parse_args(argv)
    from . import create_app

    def make():
        return create_app(app_config(args, "autotask"))

    run_gunicorn(make, args)


if __name__ == "__main__":
    main()
