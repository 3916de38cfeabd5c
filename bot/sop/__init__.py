"""The SOPs as code: one engine (``engine``) running SOPs given as values (Perubahan Daya:
``perubahan_daya``), how a request ends, routes, phrases by the clock.

Framework-free: nothing here imports Rasa, knows which channel called it, or reads the
process's environment (the clock and the assistant's name are given).
"""
