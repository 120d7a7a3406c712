"""What only GitLab knows about a runner: its server-side settings, read through the API.

``wizard.server.rules`` is the catalogue part and loads nothing else; the HTTP
client (``transport``), the endpoints (``api``) and the check itself (``check``)
load only when a command asks GitLab, so ``--help`` and ``audit`` never pay for them.
"""
