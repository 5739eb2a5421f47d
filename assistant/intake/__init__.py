"""Live intake: fetching feeds, channel previews and article pages by URL (`fetcher`), turning
what was fetched into the same items files give (`url_ingest`), the `[[sources]]` of a
workspace (`sources`) and the long-running `desk watch` loop (`watcher`).
"""
