"""The file layer: a ``config.toml`` as text, read, edited in its own style and written safely.

Nothing here knows what a setting means for security; it knows TOML and the
file's style. Modules, bottom up:

- :mod:`~wizard.tomlfile.layout` scans the text into statements with their spans;
- :mod:`~wizard.tomlfile.index` and :mod:`~wizard.tomlfile.style` say where things
  are and how the file writes them;
- :mod:`~wizard.tomlfile.rendering` writes values as TOML literals;
- the editors turn edits into splices, one module per kind of edit:
  :mod:`~wizard.tomlfile.in_place`, :mod:`~wizard.tomlfile.array_splicing`,
  :mod:`~wizard.tomlfile.inline_tables`, :mod:`~wizard.tomlfile.insertion`,
  dispatched by :mod:`~wizard.tomlfile.editor`;
- :mod:`~wizard.tomlfile.edits` gives the meaning an edit must have, and
  :mod:`~wizard.tomlfile.document` checks every edited text against it;
- :mod:`~wizard.tomlfile.diffs` shows a change and :mod:`~wizard.tomlfile.safe_write`
  writes it.

It imports only the model, the errors, secret masking and the key lookup of
:mod:`wizard.runner.reading` (keys match the way the runner matches them).
"""
