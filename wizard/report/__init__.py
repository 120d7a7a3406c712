"""Renderers for audit results: text for people, JSON and SARIF for machines.

Each renderer takes :class:`wizard.audit.engine.FileReport` objects and returns a
string; none of them decides exit codes or touches files.
"""
