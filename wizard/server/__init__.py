"""What only GitLab knows about a runner: its server-side settings, read through the API.

The rules live in the catalogue (``wizard.rules.server_rules``); the HTTP client
(``transport``), the endpoints (``api``), the check (``check``, which runs
``local`` for the file's side, ``asking`` for the requests and ``judging`` for the
findings, with the ``options`` the operator gave) and the wizards' view
(``status``) load only when a command asks GitLab, so ``--help`` and ``audit``
never pay for them.
"""
