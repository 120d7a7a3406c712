"""The core both wizards drive: one run on one file, presets, scripted runs and the host plan."""
