"""`mock-autotask serve`: the simulated Autotask as a service."""

from __future__ import annotations

from sim_common.serve import add_kaseyaone_url, app_config, base_parser, run_gunicorn


def main(argv=None) -> None:
    parser, serve = base_parser("mock-autotask", "Serve the simulated Autotask.", "AT", 8003)
    add_kaseyaone_url(serve, "AT", "Autotask")
    args = parser.parse_args(argv)
    from . import create_app

    def make():
        return create_app({**app_config(args, "autotask"), "KASEYAONE_URL": args.kaseyaone_url})

    run_gunicorn(make, args)


if __name__ == "__main__":
    main()
