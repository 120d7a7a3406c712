"""Runner configs embedded in YAML: Helm chart values, ConfigMaps, Operator manifests.

The package opens such a file as a :class:`~wizard.tomlfile.document.ConfigDocument`
(see :mod:`wizard.embedded.document`), so every command works on it as on a
config.toml, and writes edits back into the YAML without touching a byte
outside the lines that change.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.embedded.load import FileContents
    from wizard.tomlfile.document import ConfigDocument


def effective_data(document: ConfigDocument) -> dict[str, Any]:
    """The settings the runner ends up with: for chart values, with the chart's defaults."""
    from wizard.embedded.document import EmbeddedConfig

    if isinstance(document, EmbeddedConfig):
        return document.effective_data()
    return document.data


def load_document(path: Path) -> ConfigDocument:
    """A config.toml, or the YAML file that carries one (decided by the content).

    For the commands that work on one config (the wizards, ``artifacts``,
    ``server-check``): a YAML file holding several is refused with one line naming
    them, never opened at its first one silently. ``audit`` and ``harden`` read
    them all (:func:`load_all`).
    """
    from wizard.base.errors import ConfigError
    from wizard.base.safe_text import Message
    from wizard.embedded.document import EmbeddedConfig
    from wizard.embedded.load import block_choices
    from wizard.embedded.load import load_document as _load

    document = _load(path)
    if isinstance(document, EmbeddedConfig):
        choices, _unread = block_choices(document.src.file_text, path)
        if len(choices) > 1 or document.src.branches > 1:
            contents = load_all(path)
            names = "; ".join(
                other.block_name
                for other in contents.documents
                if isinstance(other, EmbeddedConfig)
            )
            raise ConfigError(
                path,
                Message.of(
                    (
                        "holds {count} runner configs ({names}); this command works on one: "
                        "audit and harden read them all"
                    ),
                    count=len(contents.documents),
                    names=names,
                ),
            )
    return document


def load_all(path: Path) -> FileContents:
    """Every runner config in the file, each once (a config.toml is one), and what was not read."""
    from wizard.embedded.load import load_all as _load_all

    return _load_all(path)


def block_name(document: ConfigDocument, contents: FileContents) -> str | None:
    """Which runner config of a file ``document`` is, when the file holds more than one."""
    from wizard.embedded.document import EmbeddedConfig

    if len(contents.documents) < 2 or not isinstance(document, EmbeddedConfig):
        return None
    return document.block_name
