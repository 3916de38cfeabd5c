"""``python -m bot.backoffice``: serve the simulator with uvicorn (PLN_SIM_HOST/PORT;
PLN_SIM_LOG_LEVEL, default INFO: the masked access log is at INFO). It does not start
without its token (PLN_SIM_TOKEN or PLN_SIM_TOKEN_FILE), nor in development mode on an
address other than loopback (``bot.deployment``)."""

from __future__ import annotations

import gc
import logging
import os
import sys

import uvicorn

from bot import deployment, log_privacy
from bot.channels.registry import PUBLIC_URL_SETTINGS

from .app import create_app
from .settings import Settings


def configure_logging(level: str = "INFO") -> str:
    """Every record masked (``bot.log_privacy``), at ``level`` (PLN_SIM_LOG_LEVEL); the level."""
    log_privacy.install()
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return level


def main() -> None:
    try:
        deployment.refuse_unsafe_development(os.environ, PUBLIC_URL_SETTINGS)
        settings = Settings.from_env()
    except deployment.DeploymentError as error:
        sys.exit(f"error: {error}")
    level = configure_logging(settings.log_level)
    app = create_app(settings)
    # The objects made at start (FastAPI, pydantic, SQLAlchemy, the seed) live as long as
    # the process: keeping them out of the collector's scans shortens its pauses, which
    # showed in the latency tail of concurrent requests.
    gc.collect()
    gc.freeze()
    # A request allocates a few thousand objects; at the default threshold (700) the
    # collector ran several times per registration. Measured with 16 concurrent writers
    # (benchmarks/simulator_latency.py, idle machine): POST registration p95 28 ms with
    # the defaults, 20-22 ms with this. Cycles are still collected, just less often.
    gc.set_threshold(50_000, 50, 100)
    # uvicorn's own access log would print paths with IDPELs and phone numbers in clear.
    # ws="none": the simulator has no websockets, and Rasa pins a websockets release that
    # uvicorn's auto-detection cannot import.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, ws="none",
                log_level=level.lower())


if __name__ == "__main__":
    main()
