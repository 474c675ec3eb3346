"""OpenFisca's Web API serving the peer's tax-benefit system (benchmarks/peers/openfisca_peer.py).

`openfisca serve` takes an installed country package; the peer is a module of this
repository, so this script does what `openfisca serve` does with it: the Web API's own Flask
application (`openfisca_web_api.app.create_app`) on gunicorn, the server `openfisca serve`
runs, with the same default of synchronous workers.

    python -m benchmarks.peers.openfisca_web --port 5000 --workers 2

A case is a POST to /calculate:
    {"insureds": {"p": {"scheme": {"2012": "employee"}, "out_of_pocket": {"2012": 35000},
                        "compensation": {"2012": null}}}}
"""

from __future__ import annotations

import argparse

from gunicorn.app.base import BaseApplication


class PeerWebAPI(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from openfisca_web_api.app import create_app

        from benchmarks.peers import openfisca_peer

        return create_app(openfisca_peer.build_system())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    PeerWebAPI(
        {
            "bind": f"127.0.0.1:{args.port}",
            "workers": args.workers,
            "loglevel": "warning",
            "accesslog": None,
        }
    ).run()


if __name__ == "__main__":
    main()
