"""Rasa NLU components: thin wrappers around the framework-free ``bot.language`` and
``bot.places`` (one code path for NLU and form validation)."""
