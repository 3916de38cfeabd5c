"""Every service's default settings, written once.

The launcher fills these into the environment it gives the services; a service started
on its own reads the same values from here, so a port or the data folder is never
spelled twice.
"""
from __future__ import annotations

DATA_DIR = "var"  # relative to the repository root
HOST = "127.0.0.1"  # the public services (Rasa's channels, the console)
INTERNAL_HOST = "127.0.0.1"  # the internal ones (simulator, actions, notifier)

SIM_PORT = 5070
ACTIONS_PORT = 5055
RASA_PORT = 5005
CONSOLE_PORT = 5080
NOTIFY_PORT = 5090
SMTP_PORT = 2525  # the local SMTP sink (development) or your server's port

MODEL = "models/pln123.tar.gz"
ENDPOINTS = "endpoints.yml"
CREDENTIALS = "credentials.yml"

ENVIRONMENT = {
    "PLN_DATA_DIR": DATA_DIR,
    "PLN_HOST": HOST,
    "PLN_INTERNAL_HOST": INTERNAL_HOST,
    "PLN_SIM_PORT": str(SIM_PORT),
    "PLN_ACTIONS_PORT": str(ACTIONS_PORT),
    "PLN_RASA_PORT": str(RASA_PORT),
    "PLN_CONSOLE_PORT": str(CONSOLE_PORT),
    "PLN_NOTIFY_PORT": str(NOTIFY_PORT),
    "PLN_SMTP_PORT": str(SMTP_PORT),
    "PLN_MODEL": MODEL,
    "PLN_ENDPOINTS": ENDPOINTS,
    "PLN_CREDENTIALS": CREDENTIALS,
}
