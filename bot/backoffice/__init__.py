"""Back-office simulator: PLN's AP2T (customer master, fees, registrations), APKT
(tickets) and the contact-centre CRM, as an HTTP service with a typed client.

Modules: ``regulations`` (regulated figures, from ``regulations.yaml``), ``records`` (the
seed data's shape), ``rules`` (pure business rules), ``storage`` (SQLAlchemy), ``app``
(FastAPI), ``schemas`` (the HTTP contract) and ``client`` (what the assistant uses).
"""
