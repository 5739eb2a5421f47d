"""Grounded drafting: the house format, prompts, generators and the drafter that verifies and
repairs every paragraph before an editor sees it."""
