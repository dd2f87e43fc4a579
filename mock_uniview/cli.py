"""`mock-uniview serve`: the simulated UniView Portal as a service."""

from __future__ import annotations

import os

from sim_common.serve import app_config, base_parser, run_gunicorn


def main(argv=None) -> None:
    parser, serve = base_parser("mock-uniview", "Serve the simulated UniView Portal.", "UV", 8002)
    serve.add_argument(
        "--kaseyaone-url",
        default=os.environ.get("UV_KASEYAONE_URL", "http://127.0.0.1:8001"),
        help="where this UniView reaches KaseyaOne (env UV_KASEYAONE_URL)",
    )
    args = parser.parse_args(argv)
    from . import create_app

    def make():
        return create_app({**app_config(args, "uniview"), "KASEYAONE_URL": args.kaseyaone_url})

    run_gunicorn(make, args)


if __name__ == "__main__":
    main()
