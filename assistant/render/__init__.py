"""Rendering drafts to Markdown, HTML and JSON (`renderer.Renderer`) and naming output files
safely (`renderer.safe_output_path`)."""
