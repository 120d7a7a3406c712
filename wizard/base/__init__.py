"""The shared vocabulary (trust levels, findings, edits), errors a user can act on, text
safe for a terminal with secrets masked, and the renderers every output goes through."""
