"""The line-mode wizard."""
