"""The one way a report comes in, whichever door it uses — the citizen's form, the officer's
offline intake, or the reporter adding evidence from the follow-up page:

* :mod:`.fields` — the report's and the reporter's fields and validators, declared once;
* :mod:`.evidence` — which uploaded files count as evidence, their safe names, and what the limits
  refused (said back to the citizen);
* :mod:`.salvage` — the text of a request refused before its body was parsed, read back;
* :mod:`.filing` — from checked form data to an encrypted case, stored with its files in one step.
"""
