"""Screens of the drafting TUI: the drafting screen and its dialogs (help, sessions, ...)."""
