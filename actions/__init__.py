"""rasa-sdk custom actions: thin adapters over ``bot/``. Served by ``python -m
bot.action_server --actions actions`` (rasa-sdk alone, without Rasa or TensorFlow)."""

from bot.language import warm_up

# spaCy's tokenizer (and what it imports) is loaded now, at the server's start, not on
# the first customer's message.
warm_up()
