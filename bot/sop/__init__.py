"""The Perubahan Daya SOP as code: what is asked next, routes, phrases by the clock.

Framework-free: nothing here imports Rasa or knows which channel called it.
"""
