"""rasa-sdk custom actions: thin adapters over ``bot/``. Served by ``rasa run actions``."""
