"""The full-screen Textual wizard.

Everything under this package may import Textual; nothing outside it does
(the CLI imports :mod:`wizard.tui.app` only when the wizard starts). Screens
render :data:`wizard.answers.steps.STEPS` and talk to the core through a
:class:`~wizard.tui.ports.SessionPort`; no rule logic, TOML or file IO here.
"""
