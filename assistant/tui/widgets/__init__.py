"""Widgets of the drafting TUI, one class per module, named after the file."""
