"""The CSO console: a person takes over a handed-over conversation, sees it whole, answers
the customer on their own channel, and hands it back to the assistant or closes it.

- ``store``: accounts (bcrypt, with a role), sessions with their CSRF token, who holds
  which case, the audit log of revealed fields (SQLite, ``$PLN_DATA_DIR/console.sqlite3``);
- ``views``: what a page shows, from the conversation's events (transcript, collected
  data masked until revealed, the SOP audit), framework-free;
- ``upstream``: the simulator (APKT tickets), Rasa's HTTP API (the conversation, the hand
  back) and the customer's channel (a CSO's reply);
- ``live``: the queue every open page sees, read once a tick and only for what changed;
- ``supervisor`` and ``plots``: the figures' page (``bot.kpi``), supervisors only, with
  its SVG plots and CSV;
- ``app``: the web application (FastAPI, like the simulator), ``python -m bot.console``.
"""
