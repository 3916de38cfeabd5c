"""After the call: the registration sent to the owner by e-mail (``summary``, ``mailer``)
and a reminder before it expires unpaid (``reminders``)."""
